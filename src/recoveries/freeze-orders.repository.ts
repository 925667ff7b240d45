import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../common/auth/actor.js';
import { scopeWhere } from '../common/auth/scope.js';
import { badRequest } from '../common/http/errors.js';
import { Page, PageQuery } from '../common/pagination/pagination.js';
import { FreezeOrder } from './entities/freeze-order.entity.js';
import type { FreezeOrderKind, FreezeOrderStatus } from './freeze-order-status.js';

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

export interface FreezeOrderEventRow {
  id: string;
  action: string;
  from_status: string | null;
  to_status: string;
  actor_kind: string;
  actor_id: string | null;
  details: Record<string, unknown>;
  occurred_at: Date;
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

const VIEW = `
  SELECT o.id, o.kind, o.status, o.case_id, c.case_no, o.identifier_id, i.value AS account,
         o.unit_id, o.bank_unit_id, b.name AS bank_name, o.officer_id, o.major_case,
         o.requested_fen, o.frozen_fen, o.recovered_fen, o.reject_reason, o.note,
         o.case_reported_at, o.requested_at, o.answered_at, o.expires_at, o.remind_at,
         o.reminded_at, o.renewals, o.converted_from_id,
         (SELECT n.id FROM freeze_orders n WHERE n.converted_from_id = o.id) AS converted_to_id,
         o.created_at
  FROM freeze_orders o
  JOIN cases c ON c.id = o.case_id
  JOIN identifiers i ON i.id = o.identifier_id
  JOIN units b ON b.id = o.bank_unit_id`;

/**
 * Who sees an order: the police of the owning unit's subtree, and the liaisons (and API keys) of
 * the bank asked; admins all. The two subtrees never overlap, so one OR covers every role.
 */
function orderScope(actor: Actor, alias = 'o'): { sql: string; params: Record<string, string> } {
  const own = scopeWhere(actor, `${alias}.unit_id`);
  const bank = scopeWhere(actor, `${alias}.bank_unit_id`);
  if (own.sql === 'TRUE') return own;
  return { sql: `(${own.sql} OR ${bank.sql})`, params: { ...own.params, ...bank.params } };
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      typeof v[1] === 'string' &&
      !Number.isNaN(Date.parse(v[0])) &&
      /^[0-9a-f-]{36}$/i.test(v[1])
    )
      return [v[0], v[1]];
  } catch {
    // fall through
  }
  throw badRequest('cursor', 'is not a cursor this API issued');
}

const encodeCursor = (at: Date, id: string) =>
  Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');

/**
 * Keyset page over (created_at DESC, id DESC) of a hand-written query whose rows carry both; the
 * cursor format is the one of common/pagination.
 */
export async function pageBy<T extends { id: string; created_at: Date }>(
  em: EntityManager | DataSource,
  ds: DataSource,
  base: string,
  where: string[],
  params: Record<string, unknown>,
  query: PageQuery,
  createdColumn: string,
  idColumn: string,
): Promise<Page<T>> {
  const limit = query.limit ?? 50;
  const conds = [...where];
  const p: Record<string, unknown> = { ...params, limitPlusOne: limit + 1 };
  if (query.cursor) {
    const [at, id] = decodeCursor(query.cursor);
    conds.push(
      `(date_trunc('milliseconds', ${createdColumn}), ${idColumn}) < (CAST(:cursorAt AS timestamptz), CAST(:cursorId AS uuid))`,
    );
    p.cursorAt = at;
    p.cursorId = id;
  }
  const [sql, args] = ds.driver.escapeQueryWithParameters(
    `${base} WHERE ${conds.join(' AND ')}
     ORDER BY date_trunc('milliseconds', ${createdColumn}) DESC, ${idColumn} DESC LIMIT :limitPlusOne`,
    p,
  );
  const rows: T[] = await em.query(sql, args);
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null,
  };
}

/** Every query of freeze orders (止付/冻结), their events and their expiry schedule. */
@Injectable()
export class FreezeOrdersRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Serializes requests on one account, so the repeat limit is counted without a race. */
  async lockAccount(em: EntityManager, identifierId: string): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtext('jw:freeze-account'), hashtext($1))`, [
      identifierId,
    ]);
  }

  async countStopPayments(em: EntityManager, identifierId: string): Promise<number> {
    const rows: { n: number }[] = await em.query(
      `SELECT count(*)::int AS n FROM freeze_orders
       WHERE identifier_id = $1 AND kind = 'stop_payment' AND status <> 'rejected'`,
      [identifierId],
    );
    return rows[0].n;
  }

  async liveOrderOf(
    em: EntityManager,
    identifierId: string,
    kind: FreezeOrderKind,
  ): Promise<string | null> {
    const rows: { id: string }[] = await em.query(
      `SELECT id FROM freeze_orders WHERE identifier_id = $1 AND kind = $2
       AND status IN ('requested','frozen','partially_frozen')`,
      [identifierId, kind],
    );
    return rows[0]?.id ?? null;
  }

  async insert(em: EntityManager, o: NewFreezeOrder): Promise<string> {
    const rows: { id: string }[] = await em.query(
      `INSERT INTO freeze_orders (kind, status, case_id, identifier_id, unit_id, bank_unit_id,
         officer_id, major_case, requested_fen, frozen_fen, note, case_reported_at, requested_at,
         answered_at, expires_at, remind_at, converted_from_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) RETURNING id`,
      [
        o.kind,
        o.status,
        o.caseId,
        o.identifierId,
        o.unitId,
        o.bankUnitId,
        o.officerId,
        o.majorCase,
        o.requestedFen,
        o.frozenFen,
        o.note,
        o.caseReportedAt,
        o.requestedAt,
        o.answeredAt,
        o.expiresAt,
        o.remindAt,
        o.convertedFromId,
      ],
    );
    return rows[0].id;
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
    await em.query(
      `INSERT INTO freeze_order_events (order_id, action, from_status, to_status, actor_kind, actor_id, details, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        e.orderId,
        e.action,
        e.from,
        e.to,
        e.actor?.kind ?? 'system',
        e.actor?.id ?? null,
        JSON.stringify(e.details ?? {}),
        e.at,
      ],
    );
  }

  async view(actor: Actor, id: string): Promise<FreezeOrderViewRow | null> {
    const scope = orderScope(actor);
    const [sql, args] = this.ds.driver.escapeQueryWithParameters(
      `${VIEW} WHERE o.id = :id AND ${scope.sql}`,
      { id, ...scope.params },
    );
    const rows: FreezeOrderViewRow[] = await this.ds.query(sql, args);
    return rows[0] ?? null;
  }

  events(orderId: string): Promise<FreezeOrderEventRow[]> {
    return this.ds.query(
      `SELECT id, action, from_status, to_status, actor_kind, actor_id, details, occurred_at
       FROM freeze_order_events WHERE order_id = $1 ORDER BY created_at, id`,
      [orderId],
    );
  }

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
    return pageBy(this.ds, this.ds, VIEW, where, params, q, 'o.created_at', 'o.id');
  }

  // Expiry schedule

  /** Starts a new generation of the order's expiry job; jobs of older generations do nothing. */
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
   * due by `dueBy` (the periodic sweep).
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

  async reminderInfo(em: EntityManager, id: string): Promise<ReminderRow | null> {
    const rows: ReminderRow[] = await em.query(
      `SELECT o.id, o.kind, c.case_no, i.value AS account, b.name AS bank_name, o.officer_id,
              c.officer_id AS case_officer_id, o.expires_at, o.frozen_fen
       FROM freeze_orders o JOIN cases c ON c.id = o.case_id
       JOIN identifiers i ON i.id = o.identifier_id JOIN units b ON b.id = o.bank_unit_id
       WHERE o.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async noticeInfo(id: string): Promise<NoticeRow | null> {
    const rows: NoticeRow[] = await this.ds.query(
      `SELECT o.id, o.kind, c.case_no, i.value AS account, o.bank_unit_id, b.name AS bank_name,
              u.name AS unit_name, o.officer_id, c.officer_id AS case_officer_id,
              o.requested_fen::text, o.frozen_fen::text, o.reject_reason, o.expires_at,
              (SELECT e.to_status FROM freeze_order_events e
               WHERE e.order_id = o.id AND e.action = 'answer' LIMIT 1) AS answer
       FROM freeze_orders o JOIN cases c ON c.id = o.case_id
       JOIN identifiers i ON i.id = o.identifier_id JOIN units b ON b.id = o.bank_unit_id
       JOIN units u ON u.id = o.unit_id
       WHERE o.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }
}
