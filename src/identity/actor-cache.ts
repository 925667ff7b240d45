import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PgListener } from '../common/database/pg-listener';
import type { UserWithScope } from './users.repository';

const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

/**
 * The users behind bearer tokens, held in memory so an authenticated request costs no query for
 * its caller. Correct across processes: a trigger announces every change to users and units on
 * `actor_changed` (migration ActorChanged), and this cache is only used while its LISTEN connection
 * is up; when it drops, every lookup goes to the database until LISTEN is back.
 */
@Injectable()
export class ActorCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ActorCache');
  private readonly entries = new Map<string, { user: UserWithScope; expiresAt: number }>();
  /** Bumped by every invalidation, so a read that raced a change is not cached. */
  private generation = 0;
  private live = false;
  private listener?: PgListener;

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    this.listener = new PgListener({
      url: (this.ds.options as { url?: string }).url ?? '',
      channel: 'actor_changed',
      onNotify: (id) => this.invalidate(id === '*' ? undefined : id),
      onState: (listening) => {
        this.invalidate();
        this.live = listening;
      },
      logger: this.logger,
    });
    await this.listener.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.live = false;
    await this.listener?.stop();
  }

  /** The cached user, or `load()`'s answer (cached when nothing changed while it ran). */
  async get(id: string, load: () => Promise<UserWithScope | null>): Promise<UserWithScope | null> {
    if (this.live) {
      const hit = this.entries.get(id);
      if (hit && hit.expiresAt > Date.now()) return hit.user;
    }
    const generation = this.generation;
    const user = await load();
    if (user && this.live && generation === this.generation) {
      if (this.entries.size >= MAX_ENTRIES) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
      this.entries.set(id, { user, expiresAt: Date.now() + TTL_MS });
    }
    return user;
  }

  /** Drops one user, or everyone. Also called right after a change in this process commits. */
  invalidate(id?: string): void {
    this.generation++;
    if (id === undefined) this.entries.clear();
    else this.entries.delete(id);
  }
}
