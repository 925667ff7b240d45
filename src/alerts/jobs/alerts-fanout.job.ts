import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../common/clock.js';
import { OnJob } from '../../common/queue/on-job.decorator.js';
import { PostponeJob } from '../../common/queue/postpone.js';
import { AlertsRepository } from '../alerts.repository.js';
import { WarningsService } from '../warnings.service.js';
import { nextWarningStatus } from '../warning-status.js';

/** A warning to expand into deliveries (published now, or scheduled and falling due). */
export interface AlertsFanoutJob {
  warningId: string;
}

declare module '../../common/queue/jobs.js' {
  interface JobPayloads {
    /** A warning was published (or falls due): create and enqueue its deliveries. */
    'alerts-fanout': AlertsFanoutJob;
  }
}

/**
 * One delivery row per enabled coordinator of the target areas, and one outbox event per row that
 * a channel sends, all in one transaction: a crash before commit leaves nothing, a replay after
 * commit inserts nothing (UNIQUE (warning, coordinator, kind)) and so enqueues nothing.
 */
@Injectable()
export class AlertsFanoutHandler {
  constructor(
    private readonly repo: AlertsRepository,
    private readonly warnings: WarningsService,
    private readonly clock: Clock,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  @OnJob('alerts-fanout', { queue: 'alerts-fanout' })
  async handle(payload: AlertsFanoutJob): Promise<number> {
    let postponeUntil: number | null = null;
    const created = await this.ds.transaction(async (em) => {
      const w = await this.repo.findWarning(payload.warningId, em, 'update');
      if (!w) return 0;
      if (w.status === 'scheduled') {
        const now = this.clock.nowMs();
        if (w.publishAt && w.publishAt.getTime() > now) {
          postponeUntil = Date.now() + (w.publishAt.getTime() - now);
          return 0;
        }
        const verdict = nextWarningStatus(w, { kind: 'falls_due', nowMs: now });
        if (!verdict.ok) return 0;
        await this.repo.setWarning(em, w.id, { status: 'published', published_at: new Date(now) });
      } else if (w.status !== 'published') {
        return 0; // withdrawn before it went out, or never published
      }
      const rows = await this.repo.insertFanOut(em, w.id);
      await this.warnings.enqueueDeliveries(em, rows);
      if (!w.fannedOutAt) await this.repo.setWarning(em, w.id, { fanned_out_at: new Date() });
      return rows.length;
    });
    if (postponeUntil !== null) throw new PostponeJob(postponeUntil, 'not yet due');
    return created;
  }
}
