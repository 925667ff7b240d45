import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { outboxEventId } from '../../../common/outbox/outbox-event-id.js';
import { OnJob } from '../../../common/queue/on-job.decorator.js';
import { FreezeExpiryOutcome, FreezeExpiryService } from '../freeze-expiry.service.js';

/** One order's next reminder or expiry; `gen` is the schedule generation it was enqueued for. */
export interface FreezeExpiryJob {
  orderId: string;
  gen: number;
}

declare module '../../../common/queue/jobs.js' {
  interface JobPayloads {
    /** Delayed to an order's next reminder or expiry; stale generations and early runs do nothing harmful. */
    'freeze-expiry-check': FreezeExpiryJob;
  }
}

/** 到期提醒: the job of one order's reminder or expiry (the rules: FreezeExpiryService). */
@Injectable()
export class FreezeExpiryHandler {
  constructor(private readonly expiry: FreezeExpiryService) {}

  @OnJob('freeze-expiry-check', { queue: 'freeze-expiry' })
  handle(payload: FreezeExpiryJob, job: Pick<Job, 'id'>): Promise<FreezeExpiryOutcome> {
    return this.expiry.check(payload.orderId, payload.gen, outboxEventId(job));
  }
}
