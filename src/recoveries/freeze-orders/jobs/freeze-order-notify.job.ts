import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { outboxEventId } from '../../../common/outbox/outbox-event-id.js';
import { OnJob } from '../../../common/queue/on-job.decorator.js';
import { FreezeOrderNotice, FreezeOrderNoticesService } from '../freeze-order-notices.service.js';

export interface FreezeOrderNotifyJob {
  orderId: string;
  event: FreezeOrderNotice;
}

declare module '../../../common/queue/jobs.js' {
  interface JobPayloads {
    /** Tells a bank's liaisons of a new stop-payment or freeze order, and the officer of the answer. */
    'freeze-order-notify': FreezeOrderNotifyJob;
  }
}

/** 止付冻结通知: the job of one order event's notifications (the texts: FreezeOrderNoticesService). */
@Injectable()
export class FreezeOrderNotifyHandler {
  constructor(private readonly notices: FreezeOrderNoticesService) {}

  @OnJob('freeze-order-notify', { queue: 'notifications' })
  handle(payload: FreezeOrderNotifyJob, job: Job): Promise<number> {
    return this.notices.send(payload.orderId, payload.event, outboxEventId(job));
  }
}
