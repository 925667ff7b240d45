import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { outboxEventId } from '../../../common/outbox/outbox-event-id.js';
import { OnJob } from '../../../common/queue/on-job.decorator.js';
import { JobName } from '../../../common/queue/queue-names.js';
import { FreezeOrderNotice, FreezeOrderNoticesService } from '../freeze-order-notices.service.js';

export interface FreezeOrderNotifyJob {
  orderId: string;
  event: FreezeOrderNotice;
}

/** 止付冻结通知: the job of one order event's notifications (the texts: FreezeOrderNoticesService). */
@Injectable()
export class FreezeOrderNotifyHandler {
  constructor(private readonly notices: FreezeOrderNoticesService) {}

  @OnJob(JobName.FreezeOrderNotify)
  handle(payload: FreezeOrderNotifyJob, job: Job): Promise<number> {
    return this.notices.send(payload.orderId, payload.event, outboxEventId(job));
  }
}
