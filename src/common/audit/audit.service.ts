import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config.js';
import { requestContext } from '../context/request-context.js';
import { PeriodicTask } from '../periodic-task.js';
import { anchorLine, latestAnchor, parseAnchors } from './audit-anchor.js';
import type { Actor } from '../auth/actor.js';
import {
  AUDIT_CSV_MAX_ROWS,
  auditCsvHeader,
  auditCsvLine,
  auditCsvTruncated,
} from './audit-csv.js';
import type { AuditEvent } from './audit-event.entity.js';
import type { AuditEventDto, AuditEventPage, ListAuditEventsQuery } from './audit-events.dto.js';
import { auditHash, AuditRecord, CHAIN_START, ChainVerdict, verifyChain } from './audit-hash.js';
import { AuditRepository } from './audit.repository.js';

/** Rows read per query of a CSV export (divides AUDIT_CSV_MAX_ROWS, so the cap falls on a page end). */
const CSV_PAGE_ROWS = 1000;

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
 *
 * Each row's hash is keyed with AUDIT_KEY, so no one with the database alone can write a row that
 * verifies; and the chain's head is appended to AUDIT_ANCHOR_FILE (signed) every interval and at
 * shutdown, so rows deleted from the end are found missing too.
 */
@Injectable()
export class AuditService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private readonly anchorTask = new PeriodicTask('Audit anchor', this.logger, () => this.anchor());
  private lastAnchored?: string;

  constructor(
    private readonly repo: AuditRepository,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'auditKey' | 'auditAnchor'>,
  ) {}

  onApplicationBootstrap(): void {
    this.anchorTask.start(this.config.auditAnchor.intervalMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.anchorTask.stop();
    await this.anchor().catch((err: unknown) =>
      this.logger.warn({ err: (err as Error).message }, 'Audit anchor at shutdown failed'),
    );
  }

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
      clientRequestId: ctx?.clientRequestId ?? null,
      ip: ctx?.ip ?? null,
      details: entry.details ?? {},
    };
    const prev = await this.repo.lockAndLastHash(em);
    await this.repo.insert(em, record, prev, auditHash(this.config.auditKey, prev, record));
  }

  /** GET /audit-events: the events the caller may read (see AuditRepository.list), newest first. */
  async list(actor: Actor, q: ListAuditEventsQuery): Promise<AuditEventPage> {
    const page = await this.repo.list(actor, q, q);
    return { items: await this.toDtos(page.items), nextCursor: page.nextCursor };
  }

  /**
   * GET /audit-events?format=csv: the same events as CSV, streamed a page at a time from `cursor`
   * on, at most AUDIT_CSV_MAX_ROWS of them. The first page is read before answering, so a bad
   * filter or cursor is still a 400 rather than a broken download.
   */
  async csv(actor: Actor, q: ListAuditEventsQuery): Promise<Readable> {
    const read = (cursor: string | undefined) =>
      this.repo.list(actor, q, { limit: CSV_PAGE_ROWS, cursor });
    const first = await read(q.cursor);
    const toDtos = (events: AuditEvent[]) => this.toDtos(events);
    async function* lines(): AsyncGenerator<string> {
      yield auditCsvHeader();
      let page = first;
      for (let rows = 0; ;) {
        for (const e of await toDtos(page.items)) yield auditCsvLine(e);
        rows += page.items.length;
        if (!page.nextCursor) return;
        if (rows >= AUDIT_CSV_MAX_ROWS) {
          yield auditCsvTruncated(page.nextCursor);
          return;
        }
        page = await read(page.nextCursor);
      }
    }
    return Readable.from(lines());
  }

  private async toDtos(events: AuditEvent[]): Promise<AuditEventDto[]> {
    const names = await this.repo.actorNames(events);
    return events.map((e) => {
      const who = e.actorId ? names.get(e.actorId) : undefined;
      return {
        id: String(e.id),
        occurredAt: e.occurredAt.toISOString(),
        actorKind: e.actorKind,
        actorId: e.actorId,
        actorName: who?.name ?? null,
        actorDisplayName: who?.displayName ?? null,
        actorRole: e.actorRole,
        actorUnitId: e.actorUnitId,
        action: e.action,
        entity: e.entity,
        entityId: e.entityId,
        requestId: e.requestId,
        clientRequestId: e.clientRequestId,
        ip: e.ip,
        details: e.details,
      };
    });
  }

  /** Appends the chain's head to the anchor file, unless it is the one anchored last. */
  async anchor(): Promise<void> {
    const head = await this.repo.head();
    if (!head) return;
    const line = anchorLine(this.config.auditKey, { at: new Date(), ...head });
    const key = `${head.id} ${head.hash}`;
    if (key === this.lastAnchored) return;
    const file = this.config.auditAnchor.file;
    mkdirSync(dirname(file), { recursive: true });
    // One short write with O_APPEND: lines from several processes on one file do not interleave.
    appendFileSync(file, line, { mode: 0o600 });
    this.lastAnchored = key;
  }

  /**
   * Walks the whole chain, names the first broken or missing row, then checks the chain against
   * the latest anchor (a row deleted from the end leaves no broken link behind).
   */
  async verify(): Promise<ChainVerdict> {
    const file = this.config.auditAnchor.file;
    const { anchors, invalid } = parseAnchors(
      this.config.auditKey,
      existsSync(file) ? readFileSync(file, 'utf8') : '',
    );
    const anchor = latestAnchor(anchors);
    let position = CHAIN_START;
    for (;;) {
      const rows = await this.repo.page(position.id, 5000);
      if (rows.length === 0) break;
      const walked = verifyChain(rows, this.config.auditKey, position);
      if (!walked.verdict.ok) return walked.verdict;
      const anchored = anchor && rows.find((r) => r.id === anchor.id);
      if (anchored && anchored.hash !== anchor.hash) {
        return {
          ok: false,
          checked: position.checked + rows.indexOf(anchored),
          brokenId: anchor.id,
          reason: 'anchor_mismatch',
        };
      }
      position = walked.position;
    }
    const checked = position.checked;
    if (anchor && BigInt(anchor.id) > BigInt(position.id)) {
      const firstMissing = String(BigInt(position.id) + 1n);
      return {
        ok: false,
        checked,
        brokenId: firstMissing,
        reason: 'tail_truncated',
        missingTo: anchor.id,
      };
    }
    if (anchor && !(await this.repo.exists(anchor.id))) {
      return {
        ok: false,
        checked,
        brokenId: anchor.id,
        reason: 'rows_missing',
        missingTo: anchor.id,
      };
    }
    if (invalid) return { ok: false, checked, brokenId: invalid.id, reason: 'anchor_invalid' };
    return anchor ? { ok: true, checked, anchoredId: anchor.id } : { ok: true, checked };
  }
}
