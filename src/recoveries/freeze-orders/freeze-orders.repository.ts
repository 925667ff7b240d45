import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, Not } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { Role } from '../../common/auth/roles.js';
import { scopeSql, scopeWhere } from '../../common/auth/scope.js';
import { Page, PageQuery, paginateView } from '../../common/pagination/pagination.js';
import { FreezeOrderEvent } from './entities/freeze-order-event.entity.js';
import { FreezeOrder } from './entities/freeze-order.entity.js';
import { FreezeOrderKind, FreezeOrderStatus } from './freeze-order-status.js';
import { CASES_VIEWS } from '../../cases/index.js';
import { IDENTITY_VIEWS } from '../../identity/index.js';

/** An order with what is shown beside it: case number, account, bank name, its successor. */
export interface FreezeOrderViewRow {
  id: string;
  kind: FreezeOrderKind;
  status: FreezeOrderStatus;
  case_id: string;
  case_no: string;
  identifier_id: string;
  account: string;
  unit_id: string;
  bank_unit_id: string;
  bank_name: string;
  officer_id: string | null;
  major_case: boolean;
  requested_fen: string;
  frozen_fen: string | null;
  recovered_fen: string;
  reject_reason: string | null;
  note: string | null;
  case_reported_at: Date;
  requested_at: Date;
  answered_at: Date | null;
  expires_at: Date | null;
  remind_at: Date | null;
  reminded_at: Date | null;
  renewals: number;
  converted_from_id: string | null;
  converted_to_id: string | null;
  created_at: Date;
}

export interface NewFreezeOrder {
  kind: FreezeOrderKind;
  status: FreezeOrderStatus;
  caseId: string;
  identifierId: string;
  unitId: string;
  bankUnitId: string;
  officerId: string | null;
  majorCase: boolean;
  requestedFen: string;
  frozenFen: string | null;
  note: string | null;
  caseReportedAt: Date;
  requestedAt: Date;
  answeredAt: Date | null;
  expiresAt: Date | null;
  remindAt: Date | null;
  convertedFromId: string | null;
}

export interface ExpiryScheduleRow {
  id: string;
  expiry_gen: number;
  kind: FreezeOrderKind;
  status: FreezeOrderStatus;
  remind_at: Date | null;
  reminded_at: Date | null;
  expires_at: Date | null;
}

export interface ReminderRow {
  id: string;
  kind: FreezeOrderKind;
  case_no: string;
  account: string;
  bank_name: string;
  officer_id: string | null;
  case_officer_id: string | null;
  expires_at: Date;
  frozen_fen: string | null;
}

/** What the notifications of an order say. `answer` is the status the bank's answer set. */
export interface NoticeRow {
  id: string;
  kind: FreezeOrderKind;
  case_no: string;
  account: string;
  bank_unit_id: string;
  bank_name: string;
  unit_name: string;
  officer_id: string | null;
  case_officer_id: string | null;
  requested_fen: string;
  frozen_fen: string | null;
  reject_reason: string | null;
  expires_at: Date | null;
  answer: string | null;
}

/** Pending or live: at most one of these per account and kind (freeze_orders_one_live_idx). */
const PENDING_OR_LIVE: FreezeOrderStatus[] = ['requested', 'frozen', 'partially_frozen'];

/**
 * An order as the API shows it: joined with the case number, the account and the bank's name,
 * read through the views the cases and identity modules publish (hand-written: three modules' rows
 * in one read).
 */
const VIEW = `
  SELECT o.id, o.kind, o.status, o.case_id, c.case_no, o.identifier_id, i.value AS account,
         o.unit_id, o.bank_unit_id, b.name AS bank_name, o.officer_id, o.major_case,
         o.requested_fen, o.frozen_fen, o.recovered_fen, o.reject_reason, o.note,
         o.case_reported_at, o.requested_at, o.answered_at, o.expires_at, o.remind_at,
         o.reminded_at, o.renewals, o.converted_from_id,
         (SELECT n.id FROM freeze_orders n WHERE n.converted_from_id = o.id) AS converted_to_id,
         o.created_at
  FROM freeze_orders o
  JOIN ${CASES_VIEWS.caseFacts} c ON c.id = o.case_id
  JOIN ${CASES_VIEWS.identifiers} i ON i.id = o.identifier_id
  JOIN ${IDENTITY_VIEWS.units} b ON b.id = o.bank_unit_id`;

/**
 * Who sees an order: the police of the owning unit's subtree, and the liaisons (and API keys) of
 * the bank asked; admins all. A police scope never holds a bank and a bank's never a police unit,
 * so each role needs only its own column: one condition, which the planner serves from that
 * column's index (an OR of both would scan the table for the bank inbox).
 */
const orderScopeColumn = (actor: Actor) =>
  actor.role === Role.BankLiaison ? 'o.bank_unit_id' : 'o.unit_id';

function orderScope(actor: Actor): { sql: string; params: Record<string, string> } {
  return scopeWhere(actor, orderScopeColumn(actor));
}

/** Every query of freeze orders (止付/冻结), their events and their expiry schedule. */
@Injectable()
export class FreezeOrdersRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Serializes requests on one account, so the repeat limit is counted without a race. An advisory
   * lock (hand-written: TypeORM has none) because the rows it guards may not exist yet.
   */
  async lockAccount(em: EntityManager, identifierId: string): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtext('jw:freeze-account'), hashtext($1))`, [
      identifierId,
    ]);
  }

  /** Stop-payments ever asked on the account, rejected ones aside: the repeat limit counts them. */
  countStopPayments(em: EntityManager, identifierId: string): Promise<number> {
    return em.getRepository(FreezeOrder).countBy({
      identifierId,
      kind: 'stop_payment',
      status: Not('rejected' as FreezeOrderStatus),
    });
  }

  /** The account's order of this kind that is still pending or live, if any. */
  async liveOrderOf(
    em: EntityManager,
    identifierId: string,
    kind: FreezeOrderKind,
  ): Promise<string | null> {
    const row = await em.getRepository(FreezeOrder).findOne({
      select: { id: true },
      where: { identifierId, kind, status: In(PENDING_OR_LIVE) },
    });
    return row?.id ?? null;
  }

  async insert(em: EntityManager, o: NewFreezeOrder): Promise<string> {
    const result = await em.getRepository(FreezeOrder).insert(o);
    return (result.identifiers[0] as { id: string }).id;
  }

  /** One order the caller may see, row-locked in the transaction. */
  async lockScoped(em: EntityManager, actor: Actor, id: string): Promise<FreezeOrder | null> {
    const scope = orderScope(actor);
    return em
      .getRepository(FreezeOrder)
      .createQueryBuilder('o')
      .where('o.id = :id', { id })
      .andWhere(scope.sql, scope.params)
      .setLock('pessimistic_write')
      .getOne();
  }

  async lock(em: EntityManager, id: string): Promise<FreezeOrder | null> {
    return em
      .getRepository(FreezeOrder)
      .createQueryBuilder('o')
      .where('o.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne();
  }

  async update(em: EntityManager, id: string, changes: Partial<FreezeOrder>): Promise<void> {
    await em.getRepository(FreezeOrder).update({ id }, changes);
  }

  async insertEvent(
    em: EntityManager,
    e: {
      orderId: string;
      action: string;
      from: string | null;
      to: string;
      actor: Actor | null;
      details?: Record<string, unknown>;
      at: Date;
    },
  ): Promise<void> {
    await em.getRepository(FreezeOrderEvent).insert({
      orderId: e.orderId,
      action: e.action,
      fromStatus: e.from,
      toStatus: e.to,
      actorKind: e.actor?.kind ?? 'system',
      actorId: e.actor?.id ?? null,
      // jsonb: TypeORM's partial-entity type cannot follow an open record.
      details: (e.details ?? {}) as object,
      occurredAt: e.at,
    });
  }

  async view(actor: Actor, id: string): Promise<FreezeOrderViewRow | null> {
    const args: unknown[] = [id];
    const scope = scopeSql(actor, orderScopeColumn(actor), args);
    const rows: FreezeOrderViewRow[] = await this.ds.query(
      `${VIEW} WHERE o.id = $1 AND ${scope}`,
      args,
    );
    return rows[0] ?? null;
  }

  /** The order's history, in the order it was written. */
  events(orderId: string): Promise<FreezeOrderEvent[]> {
    return this.ds
      .getRepository(FreezeOrderEvent)
      .find({ where: { orderId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** A page of orders: named parameters, as `paginateView` hands the statement to the query builder. */
  list(
    actor: Actor,
    q: PageQuery & { status?: string; kind?: string; caseId?: string; expiresBefore?: Date },
  ): Promise<Page<FreezeOrderViewRow>> {
    const scope = orderScope(actor);
    const where = [scope.sql];
    const params: Record<string, unknown> = { ...scope.params };
    if (q.status) {
      where.push('o.status = :status');
      params.status = q.status;
    }
    if (q.kind) {
      where.push('o.kind = :kind');
      params.kind = q.kind;
    }
    if (q.caseId) {
      where.push('o.case_id = :caseId');
      params.caseId = q.caseId;
    }
    if (q.expiresBefore) {
      // The condition of freeze_orders_live_expiry_idx, so the index serves it.
      where.push(
        "o.status IN ('frozen','partially_frozen') AND o.expires_at <= CAST(:expiresBefore AS timestamptz)",
      );
      params.expiresBefore = q.expiresBefore.toISOString();
    }
    return paginateView<FreezeOrderViewRow>(
      this.ds,
      `${VIEW} WHERE ${where.join(' AND ')}`,
      params,
      q,
    );
  }

  // Expiry schedule

  /**
   * Starts a new generation of the order's expiry job; jobs of older generations do nothing.
   * Hand-written: the increment and the read of what to schedule are one atomic statement.
   */
  async bumpGeneration(em: EntityManager, id: string): Promise<ExpiryScheduleRow | null> {
    const rows: [ExpiryScheduleRow[], number] = await em.query(
      `UPDATE freeze_orders SET expiry_gen = expiry_gen + 1 WHERE id = $1
       RETURNING id, expiry_gen, kind, status, remind_at, reminded_at, expires_at`,
      [id],
    );
    return rows[0][0] ?? null;
  }

  /**
   * Live orders to (re)schedule: all of them (at start), or only those whose reminder or expiry is
   * due by `dueBy` (the periodic sweep). Hand-written to keep its plan in view: the live-status
   * predicate is the partial index's (freeze_orders_live_expiry_idx), checked by the plan test.
   */
  async liveOrderIds(dueBy: Date | null): Promise<string[]> {
    const rows: { id: string }[] = await this.ds.query(
      `SELECT id FROM freeze_orders
       WHERE status IN ('frozen','partially_frozen') AND expires_at IS NOT NULL
         AND ($1::timestamptz IS NULL
              OR expires_at <= $1 OR (reminded_at IS NULL AND remind_at <= $1))
       ORDER BY expires_at, id`,
      [dueBy],
    );
    return rows.map((r) => r.id);
  }

  /** What a reminder says; joins the case, account and bank (other modules' views). */
  async reminderInfo(em: EntityManager, id: string): Promise<ReminderRow | null> {
    const rows: ReminderRow[] = await em.query(
      `SELECT o.id, o.kind, c.case_no, i.value AS account, b.name AS bank_name, o.officer_id,
              c.officer_id AS case_officer_id, o.expires_at, o.frozen_fen
       FROM freeze_orders o JOIN ${CASES_VIEWS.caseFacts} c ON c.id = o.case_id
       JOIN ${CASES_VIEWS.identifiers} i ON i.id = o.identifier_id
       JOIN ${IDENTITY_VIEWS.units} b ON b.id = o.bank_unit_id
       WHERE o.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** What the order's notifications say; joins the case, account and units like `VIEW`. */
  async noticeInfo(id: string): Promise<NoticeRow | null> {
    const rows: NoticeRow[] = await this.ds.query(
      `SELECT o.id, o.kind, c.case_no, i.value AS account, o.bank_unit_id, b.name AS bank_name,
              u.name AS unit_name, o.officer_id, c.officer_id AS case_officer_id,
              o.requested_fen::text, o.frozen_fen::text, o.reject_reason, o.expires_at,
              (SELECT e.to_status FROM freeze_order_events e
               WHERE e.order_id = o.id AND e.action = 'answer' LIMIT 1) AS answer
       FROM freeze_orders o JOIN ${CASES_VIEWS.caseFacts} c ON c.id = o.case_id
       JOIN ${CASES_VIEWS.identifiers} i ON i.id = o.identifier_id
       JOIN ${IDENTITY_VIEWS.units} b ON b.id = o.bank_unit_id
       JOIN ${IDENTITY_VIEWS.units} u ON u.id = o.unit_id
       WHERE o.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }
}
