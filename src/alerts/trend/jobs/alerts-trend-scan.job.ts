import { Injectable } from '@nestjs/common';
import { OnJob } from '../../../common/queue/on-job.decorator.js';
import { JobName } from '../../../common/queue/queue-names.js';
import { TrendScanService } from '../trend-scan.service.js';

/** No payload: the scan looks at every station as of the Clock's now. */
export type AlertsTrendScanJob = Record<string, never>;

/** Runs one trend scan; idempotent (a spike is drafted once, see TrendScanService). */
@Injectable()
export class AlertsTrendScanHandler {
  constructor(private readonly scans: TrendScanService) {}

  @OnJob(JobName.AlertsTrendScan)
  async handle(): Promise<number> {
    return (await this.scans.scan()).length;
  }
}
