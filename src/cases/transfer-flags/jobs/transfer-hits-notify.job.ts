import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { outboxEventId } from '../../../common/outbox/outbox-event-id.js';
import { OnJob } from '../../../common/queue/on-job.decorator.js';
import { HitNoticesService } from '../hit-notices.service.js';

/** The hits of one ingested batch (ids only; the handler re-reads them). */
export interface TransferHitsNotifyJob {
  hitIds: string[];
}

declare module '../../../common/queue/jobs.js' {
  interface JobPayloads {
    /** Tells the officers and supervisors of the cases a batch of transfer flags hit. */
    'transfer-hits-notify': TransferHitsNotifyJob;
  }
}

/** 命中通知 of one batch: HitNoticesService.notify under the job's outbox event. */
@Injectable()
export class TransferHitsNotifyHandler {
  constructor(private readonly notices: HitNoticesService) {}

  @OnJob('transfer-hits-notify', { queue: 'transfer-match' })
  handle(payload: TransferHitsNotifyJob, job: Pick<Job, 'id'>): Promise<number> {
    return this.notices.notify(payload.hitIds, outboxEventId(job));
  }
}
