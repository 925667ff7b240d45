import { Logger } from '@nestjs/common';
import { PgListener } from './pg-listener.js';

export interface NotifiedCacheOptions {
  /** The database whose triggers announce changes. */
  url: string;
  /** The NOTIFY channel: each payload is a key to drop, or `*` for all. */
  channel: string;
  ttlMs: number;
  maxEntries: number;
  logger: Logger;
}

/**
 * Rows held in memory and dropped when a trigger announces their change on a NOTIFY channel: the
 * one way this codebase caches what the database owns. Correct across processes because it is
 * only used while its LISTEN connection is up; when that drops, every lookup goes to the database
 * until LISTEN is back. Changes made by this process are also dropped right after they commit
 * (`invalidate`), so a caller reads its own write even before the notification arrives.
 */
export class NotifiedCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  /** Bumped by every invalidation, so a load that raced a change is not kept. */
  private generation = 0;
  private live = false;
  private readonly listener: PgListener;

  constructor(private readonly options: NotifiedCacheOptions) {
    this.listener = new PgListener({
      url: options.url,
      channel: options.channel,
      onNotify: (key) => this.invalidate(key === '*' ? undefined : key),
      onState: (listening) => {
        this.invalidate();
        this.live = listening;
      },
      logger: options.logger,
    });
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  async stop(): Promise<void> {
    this.live = false;
    await this.listener.stop();
  }

  /** The cached value, or `load()`'s answer (kept when it is not null and nothing changed meanwhile). */
  async get(key: string, load: () => Promise<V | null>): Promise<V | null> {
    if (this.live) {
      const hit = this.entries.get(key);
      if (hit && hit.expiresAt > Date.now()) return hit.value;
    }
    const generation = this.generation;
    const value = await load();
    if (value !== null && this.live && generation === this.generation) {
      if (this.entries.size >= this.options.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
      this.entries.set(key, { value, expiresAt: Date.now() + this.options.ttlMs });
    }
    return value;
  }

  /** Drops one key, or everything. */
  invalidate(key?: string): void {
    this.generation++;
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }
}
