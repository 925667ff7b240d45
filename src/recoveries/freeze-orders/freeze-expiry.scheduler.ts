import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../../common/clock.js';
import { APP_CONFIG, AppConfig } from '../../common/config/config.js';
import { PeriodicTask } from '../../common/periodic-task.js';
import { OutboxService } from '../../common/outbox/outbox.service.js';
import { isLive } from './freeze-order-status.js';
import { FreezeOrdersRepository } from './freeze-orders.repository.js';

/**
 * The outbox stores a delay as a 32-bit integer of milliseconds (about 24.8 days), and a freeze
 * runs for months: longer waits are cut into steps, each early run scheduling the next.
 */
export const MAX_DELAY_MS = 7 * 24 * 3600_000;

/**
 * Schedules the delayed expiry job of each live order through the outbox, and reconciles the
 * schedule from the database: at start every live order gets a fresh job (so a queue store that
 * lost its data — a Redis flush — loses no reminder), and periodically the orders already due are
 * given one again. Each (re)schedule bumps the order's generation, so at most one job per order
 * acts; the others find themselves stale.
 */
@Injectable()
export class FreezeExpiryScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('FreezeExpiryScheduler');
  private readonly task = new PeriodicTask('Expiry sweep', this.logger, () => this.reconcile(true));

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: FreezeOrdersRepository,
    private readonly outbox: OutboxService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Enqueues the order's next check (reminder, else expiry), in the caller's transaction. */
  async schedule(em: EntityManager, orderId: string): Promise<boolean> {
    const row = await this.repo.bumpGeneration(em, orderId);
    if (!row || !isLive(row.status) || !row.expires_at) return false;
    const due = row.reminded_at === null && row.remind_at ? row.remind_at : row.expires_at;
    const delay = Math.min(Math.max(0, new Date(due).getTime() - this.clock.nowMs()), MAX_DELAY_MS);
    await this.outbox.add(em, 'freeze-expiry-check', { orderId, gen: row.expiry_gen }, delay);
    return true;
  }

  /**
   * Re-enqueues from the database: every live order (`dueOnly` false, as at start) or only those
   * whose reminder or expiry is due by the Clock. Returns how many orders got a job.
   */
  async reconcile(dueOnly = false): Promise<number> {
    const ids = await this.repo.liveOrderIds(dueOnly ? this.clock.now() : null);
    let n = 0;
    for (let i = 0; i < ids.length; i += 200) {
      const batch = ids.slice(i, i + 200);
      n += await this.ds.transaction(async (em) => {
        let scheduled = 0;
        for (const id of batch) if (await this.schedule(em, id)) scheduled++;
        return scheduled;
      });
    }
    return n;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runWorkers) return;
    const n = await this.reconcile(false);
    if (n) this.logger.log(`Expiry jobs of ${n} live order(s) scheduled again from the database`);
    this.task.start(this.config.recoveries.expirySweepIntervalMs);
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }
}
