import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config.js';
import { PgListener } from '../database/pg-listener.js';
import type { JobName } from '../queue/jobs.js';
import { QueueService, withTimeout } from '../queue/queue.service.js';
import { OutboxRepository } from './outbox.repository.js';

/**
 * Rows moved per pass (one transaction, one bulk add per queue). A fan-out writes one event per
 * delivery (10,000 for a city-wide warning); at 500 a pass its last event reached the queue about
 * 0.5 s later than at 5,000 (docs/PERFORMANCE.md, Alerts fan-out), and a pass of 5,000 takes well under the 5 s queue timeout.
 */
const BATCH = 5000;
const POLL_MS = 1000;

/**
 * Moves committed outbox rows to BullMQ with `outbox-<row id>` as job id and marks them sent, in one
 * database transaction per batch (rows locked with SKIP LOCKED, so several relays can run). Woken by
 * NOTIFY on insert, and polls as a fallback. If the queue store is down the rows stay and are retried
 * with backoff.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private listener?: PgListener;
  private lastPurge = 0;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: OutboxRepository,
    private readonly queues: QueueService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runWorkers) return;
    this.running = true;
    await this.listen();
    this.loop = this.run();
  }

  /** LISTENs for new rows; if the connection drops, polling carries on and LISTEN is retried. */
  private async listen(): Promise<void> {
    this.listener = new PgListener({
      url: (this.ds.options as { url?: string }).url ?? '',
      channel: 'outbox_new',
      onNotify: () => this.wake?.(),
      logger: this.logger,
    });
    await this.listener.start();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let moved = 0;
      try {
        moved = await this.relayOnce();
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'Relay pass failed');
      }
      if (moved < BATCH && this.running) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, POLL_MS);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  /** One batch; returns how many rows were moved. Exposed for tests and the CLI. */
  async relayOnce(): Promise<number> {
    if (Date.now() - this.lastPurge > 3600_000) {
      this.lastPurge = Date.now();
      await this.repo.purgeSent(this.ds.manager, 24);
    }
    return this.ds.transaction(async (em) => {
      const rows = await this.repo.claimDue(em, BATCH);
      if (!rows.length) return 0;
      try {
        await withTimeout(
          this.queues.enqueueBulk(
            rows.map((r) => ({
              name: r.job_name as JobName,
              payload: r.payload as never,
              jobId: `outbox-${r.id}`,
              delayMs: r.delay_ms,
            })),
          ),
          5000,
          'queue store',
        );
      } catch (err) {
        await this.repo.markFailed(
          em,
          rows.map((r) => r.id),
          (err as Error).message,
        );
        if (rows[0].attempts === 0)
          this.logger.warn(
            { err: (err as Error).message, rows: rows.length },
            'Queue store unavailable; events kept in the outbox',
          );
        return 0;
      }
      await this.repo.markSent(
        em,
        rows.map((r) => r.id),
      );
      return rows.length;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.listener?.stop();
  }
}
