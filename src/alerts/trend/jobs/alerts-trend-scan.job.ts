import { Injectable } from '@nestjs/common';
import { OnJob } from '../../../common/queue/on-job.decorator.js';
import { TrendScanService } from '../trend-scan.service.js';

/** No payload: the scan looks at every station as of the Clock's now. */
export type AlertsTrendScanJob = Record<string, never>;

declare module '../../../common/queue/jobs.js' {
  interface JobPayloads {
    /** Enqueued periodically (TREND_SCAN_INTERVAL_MS): one trend scan; drafts, never publishes. */
    'alerts-trend-scan': AlertsTrendScanJob;
  }
}

/** Runs one trend scan; idempotent (a spike is drafted once, see TrendScanService). */
@Injectable()
export class AlertsTrendScanHandler {
  constructor(private readonly scans: TrendScanService) {}

  @OnJob('alerts-trend-scan', { queue: 'alerts-trend-scan' })
  async handle(): Promise<number> {
    return (await this.scans.scan()).length;
  }
}
