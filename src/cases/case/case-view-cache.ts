import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { NotifiedCache } from '../../common/database/notified-cache.js';
import type { CaseDto } from './dto/case.dto.js';

/** A case as GET /cases/:id answers it with PII masked, and where it sits in the unit tree. */
export interface CachedCaseView {
  unitPath: string;
  dto: CaseDto;
  /** `dto` as JSON, the body GET /cases/:id sends: serialized once, not on every request. */
  json: string;
}

/**
 * Masked case views held in memory, so reading a case costs no query (the `GET /cases/:id`
 * target). Triggers on cases, victims, case_identifiers and victim_transfers announce the changed
 * case on `case_changed`, a change to the unit tree announces `*` (migration CaseChanged); the
 * cases service also drops a case right after its own change commits. Revealed PII is never
 * cached: `?reveal=pii` reads the database and is audited every time.
 */
@Injectable()
export class CaseViewCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly cache: NotifiedCache<CachedCaseView>;

  constructor(@InjectDataSource() ds: DataSource) {
    this.cache = new NotifiedCache({
      url: (ds.options as { url?: string }).url ?? '',
      channel: 'case_changed',
      ttlMs: 10 * 60_000,
      maxEntries: 20_000,
      logger: new Logger('CaseViewCache'),
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.cache.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.cache.stop();
  }

  get(id: string, load: () => Promise<CachedCaseView | null>): Promise<CachedCaseView | null> {
    return this.cache.get(id, load);
  }

  invalidate(id: string): void {
    this.cache.invalidate(id);
  }
}
