import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { outboxEventId } from '../../../common/outbox/outbox-event-id.js';
import { OnJob } from '../../../common/queue/on-job.decorator.js';
import { DissuasionEscalationService } from '../dissuasion-escalation.service.js';

/** The dissuasion tasks one batch opened; enqueued through the outbox, delayed by their due time. */
export interface DissuasionSlaJob {
  dissuasionIds: string[];
}

declare module '../../../common/queue/jobs.js' {
  interface JobPayloads {
    /** Delayed by the 30-minute due time: escalates the batch's tasks still not contacted. */
    'dissuasion-sla-check': DissuasionSlaJob;
  }
}

/** 超时升级 of one batch's tasks: DissuasionEscalationService under the job's outbox event. */
@Injectable()
export class DissuasionSlaHandler {
  constructor(private readonly escalation: DissuasionEscalationService) {}

  @OnJob('dissuasion-sla-check', { queue: 'dissuasion-sla' })
  handle(payload: DissuasionSlaJob, job: Pick<Job, 'id'>): Promise<number> {
    return this.escalation.escalateOverdue(payload.dissuasionIds, outboxEventId(job));
  }
}
