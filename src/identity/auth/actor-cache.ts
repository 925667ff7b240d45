import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { NotifiedCache } from '../../common/database/notified-cache.js';
import type { UserWithScope } from '../users/users.repository.js';

/**
 * The users behind bearer tokens, held in memory so an authenticated request costs no query for
 * its caller. A trigger announces every change to users and units on `actor_changed` (migration
 * ActorChanged); see NotifiedCache for how it stays correct across processes.
 */
@Injectable()
export class ActorCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly cache: NotifiedCache<UserWithScope>;

  constructor(@InjectDataSource() ds: DataSource) {
    this.cache = new NotifiedCache({
      url: (ds.options as { url?: string }).url ?? '',
      channel: 'actor_changed',
      ttlMs: 60_000,
      maxEntries: 10_000,
      logger: new Logger('ActorCache'),
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.cache.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.cache.stop();
  }

  /** The cached user, or `load()`'s answer. */
  get(id: string, load: () => Promise<UserWithScope | null>): Promise<UserWithScope | null> {
    return this.cache.get(id, load);
  }

  /** Drops one user, or everyone. Also called right after a change in this process commits. */
  invalidate(id?: string): void {
    this.cache.invalidate(id);
  }
}
