import { Injectable } from '@nestjs/common';
import { OnJob } from '../../../common/queue/on-job.decorator.js';
import { PostponeJob } from '../../../common/queue/postpone.js';
import { JobName } from '../../../common/queue/queue-names.js';
import { WarningsService } from '../warnings.service.js';

/** A warning to expand into deliveries (published now, or scheduled and falling due). */
export interface AlertsFanoutJob {
  warningId: string;
}

/** Fans one warning out (WarningsService.fanOut); one not yet due goes back to the queue. */
@Injectable()
export class AlertsFanoutHandler {
  constructor(private readonly warnings: WarningsService) {}

  @OnJob(JobName.AlertsFanout)
  async handle(payload: AlertsFanoutJob): Promise<number> {
    const result = await this.warnings.fanOut(payload.warningId);
    if ('retryAt' in result) throw new PostponeJob(result.retryAt, 'not yet due');
    return result.created;
  }
}
