import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { outboxEventId } from '../../../common/outbox/outbox-event-id.js';
import { OnJob } from '../../../common/queue/on-job.decorator.js';
import { JobName } from '../../../common/queue/queue-names.js';
import { DissuasionEscalationService } from '../dissuasion-escalation.service.js';

/** The dissuasion tasks one batch opened; enqueued through the outbox, delayed by their due time. */
export interface DissuasionSlaJob {
  dissuasionIds: string[];
}

/** 超时升级 of one batch's tasks: DissuasionEscalationService under the job's outbox event. */
@Injectable()
export class DissuasionSlaHandler {
  constructor(private readonly escalation: DissuasionEscalationService) {}

  @OnJob(JobName.DissuasionSlaCheck)
  handle(payload: DissuasionSlaJob, job: Pick<Job, 'id'>): Promise<number> {
    return this.escalation.escalateOverdue(payload.dissuasionIds, outboxEventId(job));
  }
}
