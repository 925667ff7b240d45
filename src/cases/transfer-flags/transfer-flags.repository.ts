import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { Role } from '../../common/auth/roles.js';
import { scopeWhere } from '../../common/auth/scope.js';
import { Page, paginate } from '../../common/pagination/pagination.js';
import type { ListTransferFlagsQuery, ListTransferHitsQuery } from './dto/transfer-flags.dto.js';
import type { RiskGrade } from '../dissuasions/entities/dissuasion.entity.js';
import { TransferFlag } from './entities/transfer-flag.entity.js';
import { TransferHit } from './entities/transfer-hit.entity.js';
import type { NormalizedFlag } from './transfer-flag-input.js';
import { IDENTITY_VIEWS } from '../../identity/index.js';

/**
 * A flag just inserted by ingest, with one of its new hits and what grading and assignment need
 * of the hit's case; the hit columns are NULL for a flag that hit nothing.
 */
export type NewFlagRow = { flag_id: string; external_ref: string } & (
  | {
      hit_id: string;
      identifier_id: string;
      case_id: string;
      case_unit_id: string;
      case_reported_at: Date;
    }
  | {
      hit_id: null;
      identifier_id: null;
      case_id: null;
      case_unit_id: null;
      case_reported_at: null;
    }
);

/** A hit just created by ingest, with what grading and assignment need of its case. */
export interface NewHitRow {
  id: string;
  flag_id: string;
  identifier_id: string;
  case_id: string;
  case_unit_id: string;
  case_reported_at: Date;
}

/** A new hit with what the dissuasion task of its flag needs of the flag. */
export interface NewHitWithFlag extends NewHitRow {
  payer_account: string;
  payer_name: string | null;
  amount_fen: number;
}

export interface HitDetailRow {
  id: string;
  flag_id: string;
  case_id: string;
  case_no: string;
  case_unit_id: string;
  identifier_id: string;
  payee_account: string;
  payer_account: string;
  amount_fen: string;
  occurred_at: Date;
  bank_unit_id: string;
  bank_name: string;
  dissuasion_id: string | null;
  created_at: Date;
}

/** A hit as its notification needs it, with who to tell. */
export interface HitNoticeRow {
  id: string;
  case_id: string;
  case_no: string;
  case_unit_id: string;
  /** The case's officer, if set and still active. */
  officer_id: string | null;
  payee_account: string;
  amount_fen: string;
  occurred_at: Date;
  bank_name: string;
  dissuasion_due_at: Date | null;
  dissuasion_risk_grade: RiskGrade | null;
}

/**
 * The queries of transfer flags and their hits (a dissuasion task's are DissuasionsRepository's).
 * Ingest is set-based (a few statements
 * per batch whatever its size); reads are scoped in SQL through scopeWhere.
 */
@Injectable()
export class TransferFlagsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The bank (unit of kind bank) a unit belongs to: itself for a bank, its bank for a branch. */
  async bankOf(unitId: string): Promise<{ id: string; name: string } | null> {
    const rows: { id: string; name: string }[] = await this.ds.query(
      `SELECT b.id, b.name FROM ${IDENTITY_VIEWS.units} u JOIN ${IDENTITY_VIEWS.units} b ON u.path LIKE b.path || '%'
       WHERE u.id = $1 AND b.kind = 'bank' ORDER BY length(b.path) DESC LIMIT 1`,
      [unitId],
    );
    return rows[0] ?? null;
  }

  /**
   * One statement for the whole batch: a multi-row INSERT of the flags, skipping those whose
   * (bank, externalRef) exists, and, from the rows it inserted, the hits: every new flag whose
   * payee account is a bank card named by a case becomes a hit on that case (identifiers (kind,
   * value) is unique, so at most one identifier per flag). Matching the rows the INSERT returns
   * spares a round trip and reading the new flags back by id, which the planner did with a
   * sequential scan of transfer_flags, so each batch cost more than the one before. Answers one
   * row per new flag and hit (a flag without hits has the hit columns NULL).
   */
  insertFlagsAndHits(
    em: EntityManager,
    bankUnitId: string,
    submittedBy: { kind: 'user' | 'api_key'; id: string },
    flags: readonly NormalizedFlag[],
  ): Promise<NewFlagRow[]> {
    if (!flags.length) return Promise.resolve([]);
    return em.query(
      `WITH f AS (
         INSERT INTO transfer_flags (bank_unit_id, external_ref, payer_account, payer_name,
           payee_account, payee_name, payee_bank, amount_fen, occurred_at, reason,
           submitted_by_kind, submitted_by_id)
         SELECT $1::uuid, v.*, $11::text, $12::uuid
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::bigint[], $9::timestamptz[], $10::text[])
              AS v(external_ref, payer_account, payer_name, payee_account, payee_name, payee_bank,
                   amount_fen, occurred_at, reason)
         ON CONFLICT (bank_unit_id, external_ref) DO NOTHING
         RETURNING id, external_ref, payee_account),
       h AS (
         INSERT INTO transfer_hits (flag_id, identifier_id, case_id)
         SELECT f.id, i.id, ci.case_id
         FROM f
         JOIN identifiers i ON i.kind = 'bank_card' AND i.value = f.payee_account
         JOIN case_identifiers ci ON ci.identifier_id = i.id
         ON CONFLICT (flag_id, case_id) DO NOTHING
         RETURNING id, flag_id, identifier_id, case_id)
       SELECT f.id AS flag_id, f.external_ref, h.id AS hit_id, h.identifier_id, h.case_id,
              c.unit_id AS case_unit_id, c.reported_at AS case_reported_at
       FROM f LEFT JOIN (h JOIN cases c ON c.id = h.case_id) ON h.flag_id = f.id`,
      [
        bankUnitId,
        flags.map((f) => f.externalRef),
        flags.map((f) => f.payerAccount),
        flags.map((f) => f.payerName),
        flags.map((f) => f.payeeAccount),
        flags.map((f) => f.payeeName),
        flags.map((f) => f.payeeBank),
        flags.map((f) => String(f.amountFen)),
        flags.map((f) => f.occurredAt.toISOString()),
        flags.map((f) => f.reason),
        submittedBy.kind,
        submittedBy.id,
      ],
    );
  }

  /** The existing flags of a bank by external reference (to answer duplicates with their id). */
  async flagIdsByRef(
    em: EntityManager,
    bankUnitId: string,
    refs: readonly string[],
  ): Promise<Map<string, string>> {
    if (!refs.length) return new Map();
    const rows: { id: string; external_ref: string }[] = await em.query(
      `SELECT id, external_ref FROM transfer_flags
       WHERE bank_unit_id = $1 AND external_ref = ANY($2::text[])`,
      [bankUnitId, refs],
    );
    return new Map(rows.map((r) => [r.external_ref, r.id]));
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  /**
   * Flags the caller may see: a bank's own (by bank_unit_id in its subtree); for the police,
   * flags that hit a case in their scope; everything for an admin.
   */
  listFlags(actor: Actor, q: ListTransferFlagsQuery): Promise<Page<TransferFlag>> {
    const qb = this.ds.getRepository(TransferFlag).createQueryBuilder('f');
    if (actor.role === Role.BankLiaison) {
      const scope = scopeWhere(actor, 'f.bank_unit_id');
      qb.where(scope.sql, scope.params);
    } else if (actor.scopePath !== null) {
      const scope = scopeWhere(actor, 'sc.unit_id');
      qb.where(
        `EXISTS (SELECT 1 FROM transfer_hits sh JOIN cases sc ON sc.id = sh.case_id
                 WHERE sh.flag_id = f.id AND ${scope.sql})`,
        scope.params,
      );
    }
    if (q.hasHits !== undefined) {
      qb.andWhere(
        `${q.hasHits ? '' : 'NOT '}EXISTS (SELECT 1 FROM transfer_hits hh WHERE hh.flag_id = f.id)`,
      );
    }
    return paginate(qb, q, {
      sort: "date_trunc('milliseconds', f.created_at)",
      id: 'f.id',
      direction: 'DESC',
      value: (f) => f.createdAt.toISOString(),
    });
  }

  /** Hit counts and bank names of a page of flags. */
  async flagExtras(
    ids: readonly string[],
  ): Promise<Map<string, { hits: number; bankName: string }>> {
    if (!ids.length) return new Map();
    const rows: { id: string; hits: number; bank_name: string }[] = await this.ds.query(
      `SELECT f.id, b.name AS bank_name,
              (SELECT count(*)::int FROM transfer_hits h WHERE h.flag_id = f.id) AS hits
       FROM transfer_flags f JOIN ${IDENTITY_VIEWS.units} b ON b.id = f.bank_unit_id
       WHERE f.id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { hits: r.hits, bankName: r.bank_name }]));
  }

  /** Hits on cases in the caller's scope (by the case's owning unit). */
  listHits(actor: Actor, q: ListTransferHitsQuery): Promise<Page<TransferHit>> {
    const scope = scopeWhere(actor, 'c.unit_id');
    const qb = this.ds
      .getRepository(TransferHit)
      .createQueryBuilder('h')
      .innerJoin('cases', 'c', 'c.id = h.case_id')
      .where(scope.sql, scope.params);
    if (q.caseId) qb.andWhere('h.case_id = :caseId', { caseId: q.caseId });
    return paginate(qb, q, {
      sort: "date_trunc('milliseconds', h.created_at)",
      id: 'h.id',
      direction: 'DESC',
      value: (h) => h.createdAt.toISOString(),
    });
  }

  hitDetails(ids: readonly string[]): Promise<HitDetailRow[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.ds.query(
      `SELECT h.id, h.flag_id, h.case_id, c.case_no, c.unit_id AS case_unit_id, h.identifier_id,
              f.payee_account, f.payer_account, f.amount_fen, f.occurred_at, f.bank_unit_id,
              b.name AS bank_name, d.id AS dissuasion_id, h.created_at
       FROM transfer_hits h
       JOIN transfer_flags f ON f.id = h.flag_id
       JOIN cases c ON c.id = h.case_id
       JOIN ${IDENTITY_VIEWS.units} b ON b.id = f.bank_unit_id
       LEFT JOIN dissuasions d ON d.flag_id = h.flag_id
       WHERE h.id = ANY($1::uuid[])`,
      [ids],
    );
  }

  // -------------------------------------------------------------------------------------------
  // Jobs

  /** The hits of a notify job, with the case's active officer. */
  hitsForNotice(ids: readonly string[]): Promise<HitNoticeRow[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.ds.query(
      `SELECT h.id, h.case_id, c.case_no, c.unit_id AS case_unit_id,
              CASE WHEN o.disabled_at IS NULL THEN o.id END AS officer_id,
              f.payee_account, f.amount_fen, f.occurred_at, b.name AS bank_name,
              d.due_at AS dissuasion_due_at, d.risk_grade AS dissuasion_risk_grade
       FROM transfer_hits h
       JOIN transfer_flags f ON f.id = h.flag_id
       JOIN cases c ON c.id = h.case_id
       JOIN ${IDENTITY_VIEWS.units} b ON b.id = f.bank_unit_id
       LEFT JOIN ${IDENTITY_VIEWS.users} o ON o.id = c.officer_id
       LEFT JOIN dissuasions d ON d.flag_id = h.flag_id
       WHERE h.id = ANY($1::uuid[])
       ORDER BY c.case_no, h.id`,
      [ids],
    );
  }

  /**
   * The supervisors (领导) responsible for each unit: the active supervisors of the unit itself,
   * or, when it has none, of its nearest ancestor that has some. Like CasesRepository.unitOfficerIn
   * this reads identity's users and units through its views: a read of who to tell.
   */
  async supervisorsOf(unitIds: readonly string[]): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    if (!unitIds.length) return map;
    const rows: { unit_id: string; user_id: string }[] = await this.ds.query(
      `SELECT t.id AS unit_id, s.id AS user_id
       FROM ${IDENTITY_VIEWS.units} t
       CROSS JOIN LATERAL (
         SELECT a.id FROM ${IDENTITY_VIEWS.units} a
         WHERE t.path LIKE a.path || '%'
           AND EXISTS (SELECT 1 FROM ${IDENTITY_VIEWS.users} x
                       WHERE x.unit_id = a.id AND x.role = 'supervisor' AND x.disabled_at IS NULL)
         ORDER BY length(a.path) DESC LIMIT 1) n
       JOIN ${IDENTITY_VIEWS.users} s ON s.unit_id = n.id AND s.role = 'supervisor' AND s.disabled_at IS NULL
       WHERE t.id = ANY($1::uuid[])`,
      [unitIds],
    );
    for (const r of rows) map.set(r.unit_id, [...(map.get(r.unit_id) ?? []), r.user_id]);
    return map;
  }
}
