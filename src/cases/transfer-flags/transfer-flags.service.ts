import { ForbiddenException, HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { PII_ROLES, Role } from '../../common/auth/roles.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { ApiError, badRequest, FieldProblem } from '../../common/http/errors.js';
import { parseFenFromDb } from '../../common/money.js';
import { OutboxService } from '../../common/outbox/outbox.service.js';
import { maskName } from '../../common/pii/mask.js';
import {
  ListTransferFlagsQuery,
  ListTransferHitsQuery,
  MAX_FLAGS_PER_BATCH,
  TransferFlagDto,
  TransferFlagIngestResult,
  TransferFlagItemResult,
  TransferFlagPage,
  TransferHitPage,
} from './dto/transfer-flags.dto.js';
import { checkFlagInput, NormalizedFlag } from './transfer-flag-input.js';
import { assignedUnit, DISSUASION_DUE_MS, riskGrade } from './transfer-flag-rules.js';
import { DissuasionsRepository, NewDissuasion } from '../dissuasions/dissuasions.repository.js';
import { NewHitRow, NewHitWithFlag, TransferFlagsRepository } from './transfer-flags.repository.js';

/** What storeFlags did with a bank's checked flags, by externalRef. */
export interface StoredFlags {
  /** The new flags, with their hits and the dissuasion task a hit opened. */
  created: Map<string, { id: string; hits: number; dissuasionId?: string }>;
  /** The flags this bank had already sent (the id of the existing one). */
  existing: Map<string, string>;
  hits: number;
  dissuasions: number;
}

/** The body of POST /transfer-flags after its shape is known: one flag, or a batch. */
type IngestBody = { single: true; items: [unknown] } | { single: false; items: unknown[] };

function readBody(body: unknown): IngestBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('body', 'must be a flag object or { "flags": [...] }');
  }
  if (!Object.hasOwn(body, 'flags')) return { single: true, items: [body] };
  const extra = Object.keys(body).filter((k) => k !== 'flags');
  if (extra.length) {
    const details = extra.map((field) => ({ field, problem: 'should not exist' }));
    throw new ApiError(
      HttpStatus.BAD_REQUEST,
      details.map((d) => `${d.field} ${d.problem}`).join('; '),
      details,
    );
  }
  const flags = (body as { flags: unknown }).flags;
  if (!Array.isArray(flags)) throw badRequest('flags', 'must be an array of flags');
  if (flags.length === 0) throw badRequest('flags', 'must contain at least 1 flag');
  if (flags.length > MAX_FLAGS_PER_BATCH) {
    throw badRequest(
      'flags',
      `must contain at most ${MAX_FLAGS_PER_BATCH} flags (got ${flags.length}); split the batch`,
    );
  }
  return { single: false, items: flags };
}

/**
 * Suspicious-transfer flags (可疑交易) from banks: set-based ingest that matches every new flag
 * against the cases' bank cards in the same transaction, opens dissuasion tasks (预警劝阻) for
 * the hits, and enqueues one notification event per batch through the outbox.
 */
@Injectable()
export class TransferFlagsService {
  constructor(
    private readonly repo: TransferFlagsRepository,
    private readonly dissuasions: DissuasionsRepository,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  async ingest(actor: Actor, body: unknown): Promise<TransferFlagIngestResult> {
    const bank = await this.repo.bankOf(actor.unitId);
    if (!bank) throw new ForbiddenException('Only a bank’s liaisons and systems may send flags');
    const parsed = readBody(body);

    const results: TransferFlagItemResult[] = [];
    /** The first flag of each externalRef in this request; later ones are duplicates of it. */
    const firstByRef = new Map<string, { index: number; flag: NormalizedFlag }>();
    const sameRefLater: number[] = [];
    parsed.items.forEach((raw, index) => {
      const checked = checkFlagInput(raw);
      if (!checked.ok) {
        results.push({
          index,
          externalRef: checked.externalRef,
          status: 'invalid',
          problems: checked.problems,
        });
        return;
      }
      results.push({ index, externalRef: checked.flag.externalRef, status: 'duplicate' });
      if (firstByRef.has(checked.flag.externalRef)) sameRefLater.push(index);
      else firstByRef.set(checked.flag.externalRef, { index, flag: checked.flag });
    });
    if (parsed.single && results[0].status === 'invalid') {
      const problems: FieldProblem[] = results[0].problems ?? [];
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        problems.map((p) => `${p.field} ${p.problem}`).join('; '),
        problems,
      );
    }

    const totals = { hits: 0, dissuasions: 0 };
    let createdCount = 0;
    await this.ds.transaction(async (em) => {
      const stored = await this.storeFlags(
        em,
        bank.id,
        { kind: actor.kind, id: actor.id },
        [...firstByRef.values()].map((c) => c.flag),
      );
      createdCount = stored.created.size;
      for (const { index, flag } of firstByRef.values()) {
        const result = results[index];
        const made = stored.created.get(flag.externalRef);
        if (made) {
          result.status = 'created';
          result.id = made.id;
          result.hits = made.hits;
          if (made.dissuasionId) result.dissuasionId = made.dissuasionId;
        } else {
          result.id = stored.existing.get(flag.externalRef);
        }
      }
      for (const index of sameRefLater) {
        const ref = results[index].externalRef ?? '';
        results[index].id = stored.created.get(ref)?.id ?? stored.existing.get(ref);
      }
      totals.hits = stored.hits;
      totals.dissuasions = stored.dissuasions;

      await this.audit.record(em, {
        action: 'transfer_flags.ingest',
        entity: 'transfer_flags',
        entityId: null,
        details: {
          bankUnitId: bank.id,
          received: results.length,
          created: createdCount,
          duplicate: results.filter((r) => r.status === 'duplicate').length,
          invalid: results.filter((r) => r.status === 'invalid').length,
          hits: totals.hits,
          dissuasions: totals.dissuasions,
        },
      });
    });

    return {
      items: results,
      totals: {
        received: results.length,
        created: results.filter((r) => r.status === 'created').length,
        duplicate: results.filter((r) => r.status === 'duplicate').length,
        invalid: results.filter((r) => r.status === 'invalid').length,
        hits: totals.hits,
        dissuasions: totals.dissuasions,
      },
    };
  }

  /**
   * Stores checked flags of one bank in the caller's transaction, set-based: inserts those whose
   * externalRef is new (one statement, with their hits on cases), opens a dissuasion task per hit
   * flag, and enqueues the notifications through the outbox. `flags` must not repeat an
   * externalRef. The JSON batch comes through here; a bank's daily file stores its chunks in SQL
   * from its staging table (TransferFlagFilesRepository.storeChunk) and opens its tasks through
   * openDissuasions, the same as here.
   */
  async storeFlags(
    em: EntityManager,
    bankUnitId: string,
    submittedBy: { kind: 'user' | 'api_key'; id: string },
    flags: readonly NormalizedFlag[],
  ): Promise<StoredFlags> {
    // Sorted by the unique key, so two batches sharing references lock them in the same order.
    const candidates = [...flags].sort((a, b) =>
      a.externalRef < b.externalRef ? -1 : a.externalRef > b.externalRef ? 1 : 0,
    );
    const rows = await this.repo.insertFlagsAndHits(em, bankUnitId, submittedBy, candidates);
    const newIds = new Map<string, string>();
    const hits: NewHitRow[] = [];
    for (const r of rows) {
      newIds.set(r.external_ref, r.flag_id);
      if (r.hit_id !== null) {
        hits.push({
          id: r.hit_id,
          flag_id: r.flag_id,
          identifier_id: r.identifier_id,
          case_id: r.case_id,
          case_unit_id: r.case_unit_id,
          case_reported_at: r.case_reported_at,
        });
      }
    }
    const existing = await this.repo.flagIdsByRef(
      em,
      bankUnitId,
      candidates.filter((c) => !newIds.has(c.externalRef)).map((c) => c.externalRef),
    );
    const flagByNewId = new Map<string, NormalizedFlag>();
    for (const c of candidates) {
      const newId = newIds.get(c.externalRef);
      if (newId) flagByNewId.set(newId, c);
    }
    const taskByFlag = await this.openDissuasions(
      em,
      hits.map((h) => {
        const flag = flagByNewId.get(h.flag_id)!;
        return {
          ...h,
          payer_account: flag.payerAccount,
          payer_name: flag.payerName,
          amount_fen: flag.amountFen,
        };
      }),
    );
    const hitsByFlag = new Map<string, number>();
    for (const h of hits) hitsByFlag.set(h.flag_id, (hitsByFlag.get(h.flag_id) ?? 0) + 1);
    const made = new Map<string, { id: string; hits: number; dissuasionId?: string }>();
    for (const [ref, id] of newIds) {
      const taskId = taskByFlag.get(id);
      made.set(ref, {
        id,
        hits: hitsByFlag.get(id) ?? 0,
        ...(taskId ? { dissuasionId: taskId } : {}),
      });
    }
    return { created: made, existing, hits: hits.length, dissuasions: taskByFlag.size };
  }

  /**
   * For the new hits of one transaction (JSON batch or a file's chunk): a dissuasion task per hit
   * flag, graded by its amount and how many cases name the payee card, assigned to the unit of the
   * most recent of those cases, in one statement; then the notifications of the hits and the
   * tasks' SLA check through the outbox. Answers the new task's id by flag id.
   */
  async openDissuasions(
    em: EntityManager,
    hits: readonly NewHitWithFlag[],
  ): Promise<Map<string, string>> {
    const hitsByFlag = new Map<string, NewHitWithFlag[]>();
    for (const h of hits) hitsByFlag.set(h.flag_id, [...(hitsByFlag.get(h.flag_id) ?? []), h]);
    const tasks: NewDissuasion[] = [];
    for (const [flagId, flagHits] of hitsByFlag) {
      const unitId = assignedUnit(
        flagHits.map((h) => ({
          caseId: h.case_id,
          unitId: h.case_unit_id,
          reportedAt: new Date(h.case_reported_at),
        })),
      );
      if (!unitId) continue;
      const first = flagHits[0];
      tasks.push({
        flagId,
        identifierId: first.identifier_id,
        payerAccount: first.payer_account,
        payerName: first.payer_name,
        // Every hit of a new flag is one case naming the payee account: its case count.
        riskGrade: riskGrade(first.amount_fen, flagHits.length),
        unitId,
      });
    }
    const created = await this.dissuasions.insertDissuasions(em, tasks, DISSUASION_DUE_MS);
    if (hits.length) {
      await this.outbox.add(em, 'transfer-hits-notify', { hitIds: hits.map((h) => h.id) });
    }
    if (created.length) {
      await this.outbox.add(
        em,
        'dissuasion-sla-check',
        { dissuasionIds: created.map((d) => d.id) },
        DISSUASION_DUE_MS,
      );
    }
    return new Map(created.map((d) => [d.flag_id, d.id]));
  }

  /**
   * Flags the caller may see: banks their own; the police those that hit a case in their scope;
   * admins all. The payer's name is PII of a likely victim: masked for admins.
   */
  async list(actor: Actor, q: ListTransferFlagsQuery): Promise<TransferFlagPage> {
    const page = await this.repo.listFlags(actor, q);
    const extras = await this.repo.flagExtras(page.items.map((f) => f.id));
    const showPayer = actor.role === Role.BankLiaison || PII_ROLES.includes(actor.role);
    const items: TransferFlagDto[] = page.items.map((f) => ({
      id: f.id,
      bankUnitId: f.bankUnitId,
      bankName: extras.get(f.id)?.bankName ?? '',
      externalRef: f.externalRef,
      payerAccount: f.payerAccount,
      payerName: f.payerName === null || showPayer ? f.payerName : maskName(f.payerName),
      payeeAccount: f.payeeAccount,
      payeeName: f.payeeName,
      payeeBank: f.payeeBank,
      amountFen: parseFenFromDb(f.amountFen),
      occurredAt: f.occurredAt.toISOString(),
      reason: f.reason,
      submittedByKind: f.submittedByKind,
      submittedById: f.submittedById,
      hits: extras.get(f.id)?.hits ?? 0,
      createdAt: f.createdAt.toISOString(),
    }));
    return { items, nextCursor: page.nextCursor };
  }

  /** Hits on cases in the caller's scope. */
  async hits(actor: Actor, q: ListTransferHitsQuery): Promise<TransferHitPage> {
    const page = await this.repo.listHits(actor, q);
    const details = new Map(
      (await this.repo.hitDetails(page.items.map((h) => h.id))).map((r) => [r.id, r]),
    );
    const items = page.items.flatMap((h) => {
      const r = details.get(h.id);
      if (!r) return [];
      return [
        {
          id: r.id,
          flagId: r.flag_id,
          caseId: r.case_id,
          caseNo: r.case_no,
          caseUnitId: r.case_unit_id,
          identifierId: r.identifier_id,
          payeeAccount: r.payee_account,
          payerAccount: r.payer_account,
          amountFen: parseFenFromDb(r.amount_fen),
          occurredAt: new Date(r.occurred_at).toISOString(),
          bankUnitId: r.bank_unit_id,
          bankName: r.bank_name,
          dissuasionId: r.dissuasion_id,
          createdAt: new Date(r.created_at).toISOString(),
        },
      ];
    });
    return { items, nextCursor: page.nextCursor };
  }
}
