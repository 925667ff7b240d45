import { Injectable } from '@nestjs/common';
import { OnJob } from '../../../common/queue/on-job.decorator.js';
import { PostponeJob } from '../../../common/queue/postpone.js';
import { JobName } from '../../../common/queue/queue-names.js';
import { DeliverySender } from '../delivery-sender.service.js';

/** One delivery row to send. */
export interface AlertsDeliverJob {
  deliveryId: string;
}

/** Sends one delivery (DeliverySender); a "not now" goes back to the queue as a postponed job. */
@Injectable()
export class AlertsDeliverHandler {
  constructor(private readonly sender: DeliverySender) {}

  @OnJob(JobName.AlertsDeliver)
  async handle(payload: AlertsDeliverJob): Promise<'sent' | 'skipped' | 'cancelled' | 'failed'> {
    const result = await this.sender.deliver(payload.deliveryId);
    if (typeof result === 'object') throw new PostponeJob(result.retryAt, result.reason);
    return result;
  }
}
