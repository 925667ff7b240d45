import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../../../common/config/config.js';
import { OnJob } from '../../../common/queue/on-job.decorator.js';
import { PostponeJob } from '../../../common/queue/postpone.js';
import { DeliverManyResult, DeliverySender } from '../delivery-sender.service.js';

/**
 * Delivery rows to send: a chunk of them (a fan-out's, a withdrawal's, the sweeper's), or one (a
 * retry at its own time). Jobs of either shape may sit in a queue store across an upgrade.
 */
export type AlertsDeliverJob = { deliveryIds: string[] } | { deliveryId: string };

declare module '../../../common/queue/jobs.js' {
  interface JobPayloads {
    /** Sends a chunk of delivery rows (or one, on retry); each row's claim makes it go out once. */
    'alerts-deliver': AlertsDeliverJob;
  }
}

/**
 * Sends a chunk of deliveries (DeliverySender.deliverMany), or one (DeliverySender.deliver; a
 * "not now" goes back to the queue as this job, postponed).
 */
@Injectable()
export class AlertsDeliverHandler {
  constructor(
    private readonly sender: DeliverySender,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @OnJob('alerts-deliver', {
    queue: 'alerts-deliver',
    // I/O-bound sends: many at once (ALERTS_DELIVER_CONCURRENCY).
    concurrency: (config) => config.alerts.deliverConcurrency,
  })
  async handle(
    payload: AlertsDeliverJob,
    job?: Job,
  ): Promise<DeliverManyResult | 'sent' | 'skipped' | 'cancelled' | 'failed'> {
    if ('deliveryIds' in payload)
      return this.sender.deliverMany(payload.deliveryIds, () => this.stillOurs(job));
    const result = await this.sender.deliver(payload.deliveryId);
    if (typeof result === 'object') throw new PostponeJob(result.retryAt, result.reason);
    return result;
  }

  /**
   * Whether this worker still holds the job, its lock renewed: false once the queue store lost it
   * (a Redis restarted without persistence) or another worker took it over as stalled.
   */
  private async stillOurs(job: Job | undefined): Promise<boolean> {
    if (!job?.token) return true;
    return (await job.extendLock(job.token, this.config.jobLockMs)) === 1;
  }
}
