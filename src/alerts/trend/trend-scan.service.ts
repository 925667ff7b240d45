import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../../common/audit/audit.service.js';
import { Clock } from '../../common/clock.js';
import { APP_CONFIG, AppConfig } from '../../common/config/config.js';
import { PeriodicTask } from '../../common/periodic-task.js';
import { OutboxService } from '../../common/outbox/outbox.service.js';
import { AlertsLookups } from '../lookups.repository.js';
import { WarningsRepository } from '../warnings/warnings.repository.js';
import { findSpikes, isoWeekKey, TREND_HISTORY_WEEKS, trendWarningText, WEEK_MS } from './trend.js';
import { TrendRepository } from './trend.repository.js';

export interface TrendDraft {
  warningId: string;
  stationId: string;
  fraudType: string;
  recent: number;
  historyTotal: number;
}

/**
 * 趋势研判: finds spikes of one fraud type in one station's area and drafts a warning for each,
 * for a human to approve (status draft, no author, source `trend_scan`); it never publishes.
 *
 * Repeating: the queue layer has no repeatable jobs, so with `runWorkers` a timer enqueues the
 * `alerts-trend-scan` job through the outbox every `alerts.trend.scanIntervalMs` (default 1 h);
 * the job's handler calls `scan()`. Several processes each enqueue one: harmless, as a spike is
 * recorded once per (station, fraud type, ISO week) and not again within 7 days of the last.
 */
@Injectable()
export class TrendScanService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TrendScan');
  private readonly task = new PeriodicTask('Enqueue of trend scan', this.logger, () =>
    this.ds.transaction((em) => this.outbox.add(em, 'alerts-trend-scan', {})),
  );

  constructor(
    private readonly trends: TrendRepository,
    private readonly warnings: WarningsRepository,
    private readonly lookups: AlertsLookups,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.runWorkers) this.task.start(this.config.alerts.trend.scanIntervalMs);
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  /** One pass, as of the Clock's now; returns the warnings it drafted. */
  async scan(): Promise<TrendDraft[]> {
    const now = this.clock.now();
    const { minCases, factor } = this.config.alerts.trend;
    const counts = await this.trends.counts(now, TREND_HISTORY_WEEKS);
    const spikes = findSpikes(counts, { minCases, factor, historyWeeks: TREND_HISTORY_WEEKS });
    const isoWeek = isoWeekKey(now.getTime());
    const drafts: TrendDraft[] = [];
    for (const s of spikes) {
      const warningId = await this.ds.transaction(async (em) => {
        // The same 7 days of cases seen again (hourly scans, or across a week boundary).
        if (
          await this.trends.spikeSince(
            em,
            s.stationId,
            s.fraudType,
            new Date(now.getTime() - WEEK_MS),
          )
        )
          return null;
        const spikeId = await this.trends.insertSpike(em, {
          stationId: s.stationId,
          fraudType: s.fraudType,
          isoWeek,
          recent: s.recent,
          historyTotal: s.historyTotal,
          historyWeeks: s.historyWeeks,
          detectedAt: now,
        });
        if (!spikeId) return null;
        const [station, ft] = await Promise.all([
          this.lookups.unitOf(s.stationId, em),
          this.lookups.fraudType(s.fraudType, em),
        ]);
        const text = trendWarningText(
          s,
          station?.name ?? '',
          ft?.label_zh ?? s.fraudType,
          ft?.typical_script ?? '',
        );
        const id = await this.warnings.insertWarning(
          em,
          {
            title: text.title,
            body: text.body,
            fraudType: s.fraudType,
            severity: 'moderate',
            unitId: s.stationId,
            authorId: null,
            publishAt: null,
            source: 'trend_scan',
            trendKey: `${s.stationId}:${s.fraudType}:${isoWeek}`,
          },
          [s.stationId],
        );
        if (!id) return null;
        await this.trends.setSpikeWarning(em, spikeId, id);
        await this.audit.record(em, {
          action: 'warning.trend_draft',
          entity: 'warning',
          entityId: id,
          details: {
            station: s.stationId,
            fraudType: s.fraudType,
            isoWeek,
            recent: s.recent,
            historyTotal: s.historyTotal,
            historyWeeks: s.historyWeeks,
            minCases,
            factor,
          },
        });
        return id;
      });
      if (warningId)
        drafts.push({
          warningId,
          stationId: s.stationId,
          fraudType: s.fraudType,
          recent: s.recent,
          historyTotal: s.historyTotal,
        });
    }
    if (drafts.length) this.logger.log(`Trend scan drafted ${drafts.length} warning(s)`);
    return drafts;
  }
}
