import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../common/config/config.js';
import { PeriodicTask } from '../../common/periodic-task.js';

const PURGE_EVERY_MS = 3600_000;

export interface RateDecision {
  allowed: boolean;
  count: number;
  /** Seconds until the current window ends. */
  retryAfterSeconds: number;
  /** The window this call was counted in, for `refund`. */
  windowStart: Date;
}

/**
 * A fixed-window counter per key, kept in PostgreSQL so every API replica and worker shares it
 * (login attempts). One atomic upsert per call. Processes that run workers drop windows older
 * than a day every hour.
 */
@Injectable()
export class RateLimiter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly purger = new PeriodicTask(
    'Purge of rate-limit windows',
    new Logger('RateLimiter'),
    () => this.purge(),
  );

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.runWorkers) this.purger.start(PURGE_EVERY_MS);
  }

  onApplicationShutdown(): Promise<void> {
    return this.purger.stop();
  }

  async consume(key: string, limit: number, windowSeconds: number): Promise<RateDecision> {
    const rows: { count: number; retry_after: string; window_start: Date }[] = await this.ds.query(
      `WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $2) * $2) AS start)
       INSERT INTO rate_limit_windows (key, window_start, count)
       SELECT $1, w.start, 1 FROM w
       ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limit_windows.count + 1
       RETURNING count, window_start, ceil(extract(epoch FROM (window_start + make_interval(secs => $2) - clock_timestamp()))) AS retry_after`,
      [key, windowSeconds],
    );
    const { count, retry_after, window_start } = rows[0];
    return {
      allowed: count <= limit,
      count,
      retryAfterSeconds: Math.max(1, Number(retry_after)),
      windowStart: window_start,
    };
  }

  /**
   * Takes back one call counted by `consume` (e.g. a login that succeeded), so only failures use
   * up the limit. Counting first and refunding after keeps concurrent attempts within the limit.
   */
  async refund(key: string, windowStart: Date): Promise<void> {
    await this.ds.query(
      `UPDATE rate_limit_windows SET count = count - 1
        WHERE key = $1 AND window_start = $2 AND count > 0`,
      [key, windowStart],
    );
  }

  /** Forgets windows older than `olderThanSeconds` (a day by default). */
  async purge(olderThanSeconds = 86400): Promise<void> {
    await this.ds.query(
      `DELETE FROM rate_limit_windows WHERE window_start < now() - make_interval(secs => $1)`,
      [olderThanSeconds],
    );
  }
}
