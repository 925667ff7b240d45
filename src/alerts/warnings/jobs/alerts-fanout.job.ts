import { Injectable } from '@nestjs/common';
import { OnJob } from '../../../common/queue/on-job.decorator.js';
import { PostponeJob } from '../../../common/queue/postpone.js';
import { WarningsService } from '../warnings.service.js';

/** A warning to expand into deliveries (published now, or scheduled and falling due). */
export interface AlertsFanoutJob {
  warningId: string;
}

declare module '../../../common/queue/jobs.js' {
  interface JobPayloads {
    /** A warning was published (or falls due): create and enqueue its deliveries. */
    'alerts-fanout': AlertsFanoutJob;
  }
}

/** Fans one warning out (WarningsService.fanOut); one not yet due goes back to the queue. */
@Injectable()
export class AlertsFanoutHandler {
  constructor(private readonly warnings: WarningsService) {}

  @OnJob('alerts-fanout', { queue: 'alerts-fanout' })
  async handle(payload: AlertsFanoutJob): Promise<number> {
    const result = await this.warnings.fanOut(payload.warningId);
    if ('retryAt' in result) throw new PostponeJob(result.retryAt, 'not yet due');
    return result.created;
  }
}
