import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { scopeSql, scopeWhere } from '../../common/auth/scope.js';
import { Page, PageQuery, paginateView } from '../../common/pagination/pagination.js';
import type { AllocationMethod } from './allocator.js';
import { Recovery } from './entities/recovery.entity.js';
import { CASES_VIEWS } from '../../cases/index.js';
import { IDENTITY_VIEWS } from '../../identity/index.js';

export interface RecoveryViewRow {
  id: string;
  order_id: string;
  case_id: string;
  case_no: string;
  unit_id: string;
  amount_fen: string;
  allocated_fen: string;
  recovered_on: string;
  legal_basis: string;
  custody_account: string | null;
  created_at: Date;
}

export interface ClaimRow {
  victim_id: string;
  case_id: string;
  traced_fen: string;
  loss_fen: string;
  returned_fen: string;
}

export interface StoredPart {
  victimId: string;
  caseId: string;
  tracedFen: number;
  capFen: number;
  amountFen: number;
}

export interface ProposalRow {
  id: string;
  recovery_id: string;
  method: AllocationMethod;
  status: 'proposed' | 'confirmed' | 'superseded';
  parts: StoredPart[];
  total_fen: string;
  proposed_at: Date;
  notice_ends_at: Date | null;
  confirmed_at: Date | null;
}

export interface AllocationViewRow {
  id: string;
  recovery_id: string;
  victim_id: string;
  case_id: string;
  case_no: string;
  fraud_type: string;
  method: AllocationMethod;
  amount_fen: string;
  confirmed_at: Date;
  ceremony_id: string | null;
  signed_at: Date | null;
  unit_id: string;
}

export interface CaseOrderRow {
  id: string;
  kind: 'stop_payment' | 'freeze';
  status: string;
  converted_from_id: string | null;
  identifier_id: string;
  unit_id: string;
  unit_name: string;
  bank_unit_id: string;
  bank_name: string;
  requested_fen: string;
  frozen_fen: string | null;
  recovered_fen: string;
  requested_at: Date;
  expires_at: Date | null;
}

export interface CaseAllocationRow {
  id: string;
  victim_id: string;
  method: AllocationMethod;
  amount_fen: string;
  confirmed_at: Date;
  ceremony_id: string | null;
  signed_at: Date | null;
  recovery_id: string;
  recovered_on: string;
  order_id: string;
  order_kind: 'stop_payment' | 'freeze';
  bank_unit_id: string;
  bank_name: string;
  unit_id: string;
  unit_name: string;
  ceremony_title: string | null;
  ceremony_held_on: string | null;
}

export interface TotalsRow {
  orders: number;
  requested_fen: string;
  frozen_fen: string;
  held_fen: string;
  recovered_fen: string;
  allocated_fen: string;
  returned_fen: string;
  victims_returned: number;
  avg_to_request: number | null;
  median_to_request: number | null;
  avg_to_answer: number | null;
  median_to_answer: number | null;
}

/** A recovery with its case number (the cases module's view: hand-written join). */
const RECOVERY_VIEW = `
  SELECT r.id, r.order_id, r.case_id, c.case_no, r.unit_id, r.amount_fen, r.allocated_fen,
         to_char(r.recovered_on, 'YYYY-MM-DD') AS recovered_on, r.legal_basis, r.custody_account,
         r.created_at
  FROM recoveries r JOIN ${CASES_VIEWS.caseFacts} c ON c.id = r.case_id`;

/** An allocation with its case number and fraud type (the cases module's view). */
export const ALLOCATION_VIEW = `
  SELECT a.id, a.recovery_id, a.victim_id, a.case_id, c.case_no, c.fraud_type, a.method,
         a.amount_fen, a.confirmed_at, a.ceremony_id, a.signed_at, a.unit_id
  FROM allocations a JOIN ${CASES_VIEWS.caseFacts} c ON c.id = a.case_id`;

/** Recoveries (追回), allocation proposals and allocations (返还分配), and the unit's totals. */
@Injectable()
export class RecoveriesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async insert(
    em: EntityManager,
    r: {
      orderId: string;
      caseId: string;
      unitId: string;
      amountFen: number;
      recoveredOn: string;
      legalBasis: string;
      custodyAccount: string | null;
      createdBy: string | null;
    },
  ): Promise<string> {
    const result = await em.getRepository(Recovery).insert({
      ...r,
      amountFen: String(r.amountFen),
    });
    return (result.identifiers[0] as { id: string }).id;
  }

  async lockScoped(em: EntityManager, actor: Actor, id: string): Promise<Recovery | null> {
    const scope = scopeWhere(actor, 'r.unit_id');
    return em
      .getRepository(Recovery)
      .createQueryBuilder('r')
      .where('r.id = :id', { id })
      .andWhere(scope.sql, scope.params)
      .setLock('pessimistic_write')
      .getOne();
  }

  async view(actor: Actor, id: string): Promise<RecoveryViewRow | null> {
    const args: unknown[] = [id];
    const scope = scopeSql(actor, 'r.unit_id', args);
    const rows: RecoveryViewRow[] = await this.ds.query(
      `${RECOVERY_VIEW} WHERE r.id = $1 AND ${scope}`,
      args,
    );
    return rows[0] ?? null;
  }

  /**
   * Recoveries in the caller's scope; by case, also those another unit made that were allocated
   * to the case's victims when the case is in the caller's scope (`in_scope` false on those).
   * Named parameters: `paginateView` hands the statement to the query builder.
   */
  list(
    actor: Actor,
    q: PageQuery & { orderId?: string; caseId?: string },
  ): Promise<Page<RecoveryViewRow & { in_scope: boolean; case_allocated_fen: string | null }>> {
    const scope = scopeWhere(actor, 'r.unit_id');
    const caseScope = scopeWhere(actor, 'vc.unit_id');
    const params: Record<string, unknown> = { ...scope.params, ...caseScope.params };
    const where = [scope.sql];
    let caseAllocated = 'NULL::text';
    if (q.caseId) {
      params.caseId = q.caseId;
      where[0] = `(r.case_id = :caseId AND ${scope.sql}
        OR r.id IN (SELECT a.recovery_id FROM allocations a JOIN ${CASES_VIEWS.caseFacts} vc ON vc.id = a.case_id
                    WHERE a.case_id = :caseId AND ${caseScope.sql}))`;
      caseAllocated = `(SELECT sum(a.amount_fen)::text FROM allocations a
                        WHERE a.recovery_id = r.id AND a.case_id = :caseId)`;
    }
    if (q.orderId) {
      where.push('r.order_id = :orderId');
      params.orderId = q.orderId;
    }
    const base = RECOVERY_VIEW.replace(
      'SELECT r.id,',
      `SELECT (${scope.sql}) AS in_scope, ${caseAllocated} AS case_allocated_fen, r.id,`,
    );
    return paginateView(this.ds, `${base} WHERE ${where.join(' AND ')}`, params, q);
  }

  /**
   * The freeze orders that concern a case: its own, and any unit's on the accounts its victims
   * paid into (`identifierIds`) or from which its victims were allocated money. The third set is
   * an array computed first (`= ANY(ARRAY(…))`, not `IN (…)`), so the three conditions combine as
   * index scans instead of a scan of every order.
   */
  caseOrders(caseId: string, identifierIds: string[]): Promise<CaseOrderRow[]> {
    return this.ds.query(
      `SELECT o.id, o.kind, o.status, o.converted_from_id, o.identifier_id, o.unit_id,
              ou.name AS unit_name, o.bank_unit_id, b.name AS bank_name, o.requested_fen,
              o.frozen_fen, o.recovered_fen, o.requested_at, o.expires_at
       FROM freeze_orders o JOIN ${IDENTITY_VIEWS.units} ou ON ou.id = o.unit_id
       JOIN ${IDENTITY_VIEWS.units} b ON b.id = o.bank_unit_id
       WHERE o.case_id = $1 OR o.identifier_id = ANY($2::uuid[])
          OR o.id = ANY(ARRAY(SELECT r.order_id FROM allocations a
                              JOIN recoveries r ON r.id = a.recovery_id WHERE a.case_id = $1))
       ORDER BY o.requested_at, o.id`,
      [caseId, identifierIds],
    );
  }

  /** Σ recoveries of the given orders; a sum nothing bounds, read as a total. */
  async recoveredFrom(orderIds: string[]): Promise<string> {
    const rows: { total: string }[] = await this.ds.query(
      `SELECT coalesce(sum(amount_fen), 0)::text AS total FROM recoveries WHERE order_id = ANY($1::uuid[])`,
      [orderIds],
    );
    return rows[0].total;
  }

  /** Every allocation to a victim of the case, with its recovery, order, bank and ceremony. */
  caseAllocations(caseId: string): Promise<CaseAllocationRow[]> {
    return this.ds.query(
      `SELECT a.id, a.victim_id, a.method, a.amount_fen, a.confirmed_at, a.ceremony_id,
              a.signed_at, a.recovery_id, to_char(r.recovered_on, 'YYYY-MM-DD') AS recovered_on,
              o.id AS order_id, o.kind AS order_kind, o.bank_unit_id, b.name AS bank_name,
              r.unit_id, ru.name AS unit_name, ce.title AS ceremony_title,
              to_char(ce.held_on, 'YYYY-MM-DD') AS ceremony_held_on
       FROM allocations a
       JOIN recoveries r ON r.id = a.recovery_id
       JOIN freeze_orders o ON o.id = r.order_id
       JOIN ${IDENTITY_VIEWS.units} b ON b.id = o.bank_unit_id
       JOIN ${IDENTITY_VIEWS.units} ru ON ru.id = r.unit_id
       LEFT JOIN ceremonies ce ON ce.id = a.ceremony_id
       WHERE a.case_id = $1
       ORDER BY a.confirmed_at, a.id`,
      [caseId],
    );
  }

  /**
   * The victims whose traced transfers went into the account (from any case), with what they put
   * in, their whole traced loss and what has been allocated to them so far. Read through the cases
   * module's view of traced transfers: allocation tracing is a report over them.
   */
  claims(em: EntityManager, identifierId: string): Promise<ClaimRow[]> {
    return em.query(
      `SELECT t.victim_id, t.case_id, sum(t.amount_fen)::text AS traced_fen,
              (SELECT coalesce(sum(x.amount_fen), 0) FROM ${CASES_VIEWS.victimTransfers} x WHERE x.victim_id = t.victim_id)::text AS loss_fen,
              (SELECT coalesce(sum(a.amount_fen), 0) FROM allocations a WHERE a.victim_id = t.victim_id)::text AS returned_fen
       FROM ${CASES_VIEWS.victimTransfers} t
       WHERE t.identifier_id = $1
       GROUP BY t.victim_id, t.case_id
       ORDER BY t.victim_id`,
      [identifierId],
    );
  }

  // Allocation proposals have no entity: a proposal is its `parts` document, written and read
  // back whole, so these few statements stay hand-written.

  async openProposal(em: EntityManager, recoveryId: string): Promise<ProposalRow | null> {
    const rows: ProposalRow[] = await em.query(
      `SELECT id, recovery_id, method, status, parts, total_fen, proposed_at, notice_ends_at, confirmed_at
       FROM allocation_proposals WHERE recovery_id = $1 AND status = 'proposed'`,
      [recoveryId],
    );
    return rows[0] ?? null;
  }

  async lastProposal(recoveryId: string): Promise<ProposalRow | null> {
    const rows: ProposalRow[] = await this.ds.query(
      `SELECT id, recovery_id, method, status, parts, total_fen, proposed_at, notice_ends_at, confirmed_at
       FROM allocation_proposals WHERE recovery_id = $1 AND status = 'proposed'`,
      [recoveryId],
    );
    return rows[0] ?? null;
  }

  async supersede(em: EntityManager, id: string): Promise<void> {
    await em.query(`UPDATE allocation_proposals SET status = 'superseded' WHERE id = $1`, [id]);
  }

  async insertProposal(
    em: EntityManager,
    p: {
      recoveryId: string;
      method: AllocationMethod;
      parts: StoredPart[];
      totalFen: number;
      proposedAt: Date;
      noticeEndsAt: Date | null;
      proposedBy: string | null;
    },
  ): Promise<ProposalRow> {
    const rows: ProposalRow[] = await em.query(
      `INSERT INTO allocation_proposals (recovery_id, method, parts, total_fen, proposed_at, notice_ends_at, proposed_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING id, recovery_id, method, status, parts, total_fen, proposed_at, notice_ends_at, confirmed_at`,
      [
        p.recoveryId,
        p.method,
        JSON.stringify(p.parts),
        String(p.totalFen),
        p.proposedAt,
        p.noticeEndsAt,
        p.proposedBy,
      ],
    );
    return rows[0];
  }

  async confirmProposal(em: EntityManager, id: string, at: Date): Promise<void> {
    await em.query(
      `UPDATE allocation_proposals SET status = 'confirmed', confirmed_at = $2 WHERE id = $1`,
      [id, at],
    );
  }

  /**
   * One statement for every part (unnest), hand-written: the per-row trigger checks each victim's
   * loss under the victim's advisory lock and adds to the recovery's allocated sum.
   */
  async insertAllocations(
    em: EntityManager,
    p: {
      recoveryId: string;
      proposalId: string;
      unitId: string;
      method: AllocationMethod;
      at: Date;
    },
    parts: StoredPart[],
  ): Promise<void> {
    await em.query(
      `INSERT INTO allocations (recovery_id, proposal_id, victim_id, case_id, unit_id, method, amount_fen, confirmed_at)
       SELECT $1, $2, x.victim_id, x.case_id, $3, $4, x.amount_fen, $5
       FROM unnest($6::uuid[], $7::uuid[], $8::bigint[]) AS x(victim_id, case_id, amount_fen)`,
      [
        p.recoveryId,
        p.proposalId,
        p.unitId,
        p.method,
        p.at,
        parts.map((x) => x.victimId),
        parts.map((x) => x.caseId),
        parts.map((x) => String(x.amountFen)),
      ],
    );
  }

  allocationsOf(recoveryId: string): Promise<AllocationViewRow[]> {
    return this.ds.query(`${ALLOCATION_VIEW} WHERE a.recovery_id = $1 ORDER BY a.victim_id`, [
      recoveryId,
    ]);
  }

  /**
   * The unit's figures (hand-written: aggregates over three tables in one round trip) ("冻结止付2.9亿元", "发还72万元"). A stop-payment converted into a freeze is
   * counted once: the freeze it became is left out of requested and frozen.
   */
  async totals(actor: Actor): Promise<TotalsRow> {
    const args: unknown[] = [];
    const o = scopeSql(actor, 'o.unit_id', args);
    const r = scopeSql(actor, 'r.unit_id', args);
    const a = scopeSql(actor, 'a.unit_id', args);
    const rows: TotalsRow[] = await this.ds.query(
      `WITH firsts AS (
         SELECT o.* FROM freeze_orders o WHERE o.converted_from_id IS NULL AND ${o}
       ), live AS (
         SELECT o.frozen_fen, o.recovered_fen FROM freeze_orders o
         WHERE o.status IN ('frozen','partially_frozen') AND ${o}
       )
       SELECT
         (SELECT count(*)::int FROM firsts) AS orders,
         (SELECT coalesce(sum(requested_fen), 0)::text FROM firsts) AS requested_fen,
         (SELECT coalesce(sum(frozen_fen), 0)::text FROM firsts WHERE status <> 'rejected') AS frozen_fen,
         (SELECT coalesce(sum(frozen_fen - recovered_fen), 0)::text FROM live) AS held_fen,
         (SELECT coalesce(sum(r.amount_fen), 0)::text FROM recoveries r WHERE ${r}) AS recovered_fen,
         (SELECT coalesce(sum(a.amount_fen), 0)::text FROM allocations a WHERE ${a}) AS allocated_fen,
         (SELECT coalesce(sum(a.amount_fen), 0)::text FROM allocations a WHERE a.signed_at IS NOT NULL AND ${a}) AS returned_fen,
         (SELECT count(DISTINCT a.victim_id)::int FROM allocations a WHERE a.signed_at IS NOT NULL AND ${a}) AS victims_returned,
         (SELECT round(avg(extract(epoch FROM requested_at - case_reported_at) / 60))::float8 FROM firsts) AS avg_to_request,
         (SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM requested_at - case_reported_at) / 60))::numeric)::float8 FROM firsts) AS median_to_request,
         (SELECT round(avg(extract(epoch FROM answered_at - case_reported_at) / 60))::float8 FROM firsts WHERE answered_at IS NOT NULL) AS avg_to_answer,
         (SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM answered_at - case_reported_at) / 60))::numeric)::float8 FROM firsts WHERE answered_at IS NOT NULL) AS median_to_answer`,
      args,
    );
    return rows[0];
  }
}
