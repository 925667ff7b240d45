import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { requestContext } from '../context/request-context.js';
import { auditHash, AuditRecord, ChainVerdict, GENESIS_HASH, verifyChain } from './audit-hash.js';
import { AuditRepository } from './audit.repository.js';

export interface AuditEntry {
  /** Dotted verb, e.g. `user.create`, `victim.pii_read`. */
  action: string;
  entity: string;
  entityId?: string | null;
  details?: Record<string, unknown>;
}

/**
 * The append-only, hash-chained audit log. `record` must be called with the transaction's entity
 * manager so the audit row commits or rolls back with the change it describes. Who, role, unit,
 * request id and ip come from the request context.
 */
@Injectable()
export class AuditService {
  constructor(private readonly repo: AuditRepository) {}

  async record(em: EntityManager, entry: AuditEntry): Promise<void> {
    if (!em.queryRunner?.isTransactionActive) {
      await em.transaction((tx) => this.record(tx, entry));
      return;
    }
    const ctx = requestContext.get();
    const actor = ctx?.actor;
    const record: AuditRecord = {
      occurredAt: new Date(),
      actorKind: actor ? actor.kind : ctx?.origin === 'http' ? 'anonymous' : 'system',
      actorId: actor?.id ?? null,
      actorRole: actor?.role ?? null,
      actorUnitId: actor?.unitId ?? null,
      action: entry.action,
      entity: entry.entity,
      entityId: entry.entityId ?? null,
      requestId: ctx?.requestId ?? null,
      ip: ctx?.ip ?? null,
      details: entry.details ?? {},
    };
    const prev = await this.repo.lockAndLastHash(em);
    await this.repo.insert(em, record, prev, auditHash(prev, record));
  }

  /** Walks the whole chain and names the first broken row. */
  async verify(): Promise<ChainVerdict> {
    let afterId = '0';
    let prevHash = GENESIS_HASH;
    let checked = 0;
    for (;;) {
      const rows = await this.repo.page(afterId, 5000);
      if (rows.length === 0) return { ok: true, checked };
      const verdict = verifyChain(rows, prevHash, checked);
      if (!verdict.ok) {
        const { lastHash: _unused, ...rest } = verdict;
        return rest;
      }
      checked = verdict.checked;
      prevHash = verdict.lastHash;
      afterId = rows[rows.length - 1].id;
    }
  }
}
