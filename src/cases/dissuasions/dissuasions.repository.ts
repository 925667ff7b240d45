import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { scopeWhere } from '../../common/auth/scope.js';
import { returned } from '../../common/database/returned.js';
import { Page, paginate } from '../../common/pagination/pagination.js';
import type { ListDissuasionsQuery } from '../transfer-flags/dto/transfer-flags.dto.js';
import { TransferFlag } from '../transfer-flags/entities/transfer-flag.entity.js';
import {
  ContactMethod,
  Dissuasion,
  DissuasionOutcome,
  RiskGrade,
} from './entities/dissuasion.entity.js';
import { IDENTITY_VIEWS } from '../../identity/index.js';

export interface NewDissuasion {
  flagId: string;
  identifierId: string;
  payerAccount: string;
  payerName: string | null;
  riskGrade: RiskGrade;
  unitId: string;
}

export interface DissuasionDetailRow {
  id: string;
  payee_account: string;
  amount_fen: string;
  occurred_at: Date;
  bank_name: string;
}

export interface ContactRow {
  id: string;
  dissuasion_id: string;
  method: ContactMethod;
  note: string | null;
  actor_id: string | null;
  created_at: Date;
}

export interface OverdueRow {
  id: string;
  unit_id: string;
  payer_account: string;
  payee_account: string;
  amount_fen: string;
  bank_name: string;
  risk_grade: RiskGrade;
  due_at: Date;
}

/**
 * The queries of dissuasion tasks (劝阻) and their contact attempts. The set-based insert of a
 * batch's tasks runs in ingest's transaction; reads are scoped in SQL through scopeWhere.
 */
@Injectable()
export class DissuasionsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** One statement for the batch's tasks, each due 30 minutes after now (the transaction's time). */
  insertDissuasions(
    em: EntityManager,
    rows: readonly NewDissuasion[],
    dueInMs: number,
  ): Promise<{ id: string; flag_id: string; due_at: Date }[]> {
    if (!rows.length) return Promise.resolve([]);
    return em.query(
      `INSERT INTO dissuasions (flag_id, identifier_id, payer_account, payer_name, risk_grade, unit_id, due_at)
       SELECT d.*, now() + make_interval(secs => $7::double precision / 1000)
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[])
            AS d(flag_id, identifier_id, payer_account, payer_name, risk_grade, unit_id)
       ON CONFLICT (flag_id) DO NOTHING
       RETURNING id, flag_id, due_at`,
      [
        rows.map((r) => r.flagId),
        rows.map((r) => r.identifierId),
        rows.map((r) => r.payerAccount),
        rows.map((r) => r.payerName),
        rows.map((r) => r.riskGrade),
        rows.map((r) => r.unitId),
        dueInMs,
      ],
    );
  }

  /** Tasks assigned to units in the caller's scope. */
  listDissuasions(actor: Actor, q: ListDissuasionsQuery): Promise<Page<Dissuasion>> {
    const scope = scopeWhere(actor, 'd.unit_id');
    const qb = this.ds
      .getRepository(Dissuasion)
      .createQueryBuilder('d')
      .where(scope.sql, scope.params);
    if (q.status) qb.andWhere('d.status = :status', { status: q.status });
    if (q.riskGrade) qb.andWhere('d.risk_grade = :riskGrade', { riskGrade: q.riskGrade });
    return paginate(qb, q, {
      sort: "date_trunc('milliseconds', d.created_at)",
      id: 'd.id',
      direction: 'DESC',
      value: (d) => d.createdAt.toISOString(),
    });
  }

  /** One task if it is assigned to a unit in the caller's scope; `lock` takes a row lock. */
  findDissuasionScoped(
    actor: Actor,
    id: string,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<Dissuasion | null> {
    const scope = scopeWhere(actor, 'd.unit_id');
    const qb = em
      .getRepository(Dissuasion)
      .createQueryBuilder('d')
      .where('d.id = :id', { id })
      .andWhere(scope.sql, scope.params);
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  async dissuasionDetails(
    ids: readonly string[],
    em: EntityManager = this.ds.manager,
  ): Promise<Map<string, DissuasionDetailRow>> {
    if (!ids.length) return new Map();
    const rows: DissuasionDetailRow[] = await em.query(
      `SELECT d.id, f.payee_account, f.amount_fen, f.occurred_at, b.name AS bank_name
       FROM dissuasions d JOIN transfer_flags f ON f.id = d.flag_id JOIN ${IDENTITY_VIEWS.units} b ON b.id = f.bank_unit_id
       WHERE d.id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** The flag behind a task, for drafting a case from it. */
  flagOf(em: EntityManager, flagId: string): Promise<TransferFlag | null> {
    return em.getRepository(TransferFlag).findOneBy({ id: flagId });
  }

  async contactsOf(
    ids: readonly string[],
    em: EntityManager = this.ds.manager,
  ): Promise<ContactRow[]> {
    if (!ids.length) return [];
    return em.query(
      `SELECT id, dissuasion_id, method, note, actor_id, created_at FROM dissuasion_contacts
       WHERE dissuasion_id = ANY($1::uuid[]) ORDER BY created_at, id`,
      [ids],
    );
  }

  /** Records a contact attempt; the first one sets the task's first contact time. */
  async insertContact(
    em: EntityManager,
    c: { dissuasionId: string; method: ContactMethod; note: string | null; actorId: string | null },
  ): Promise<string> {
    const rows: { id: string; created_at: Date }[] = await em.query(
      `INSERT INTO dissuasion_contacts (dissuasion_id, method, note, actor_id)
       VALUES ($1, $2, $3, $4) RETURNING id, created_at`,
      [c.dissuasionId, c.method, c.note, c.actorId],
    );
    await em.query(
      `UPDATE dissuasions SET first_contact_at = $2 WHERE id = $1 AND first_contact_at IS NULL`,
      [c.dissuasionId, rows[0].created_at],
    );
    return rows[0].id;
  }

  async close(
    em: EntityManager,
    c: {
      id: string;
      outcome: DissuasionOutcome;
      note: string | null;
      closedBy: string | null;
      draftCaseId: string | null;
    },
  ): Promise<boolean> {
    const result: unknown = await em.query(
      `UPDATE dissuasions SET status = 'closed', outcome = $2, outcome_note = $3, closed_at = now(),
         closed_by = $4, draft_case_id = $5
       WHERE id = $1 AND status = 'open' RETURNING id`,
      [c.id, c.outcome, c.note, c.closedBy, c.draftCaseId],
    );
    return returned(result).length > 0;
  }

  /**
   * Of the given tasks, those still open, never contacted and past their due time (a few seconds
   * of slack for clocks: the job is delayed from after the commit, so it never runs early by more).
   */
  overdue(ids: readonly string[]): Promise<OverdueRow[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.ds.query(
      `SELECT d.id, d.unit_id, d.payer_account, f.payee_account, f.amount_fen, b.name AS bank_name,
              d.risk_grade, d.due_at
       FROM dissuasions d JOIN transfer_flags f ON f.id = d.flag_id JOIN ${IDENTITY_VIEWS.units} b ON b.id = f.bank_unit_id
       WHERE d.id = ANY($1::uuid[]) AND d.status = 'open' AND d.first_contact_at IS NULL
         AND d.due_at <= now() + interval '5 seconds'
       ORDER BY d.due_at, d.id`,
      [ids],
    );
  }

  async markEscalated(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await this.ds.query(
      'UPDATE dissuasions SET escalated_at = coalesce(escalated_at, now()) WHERE id = ANY($1::uuid[])',
      [ids],
    );
  }
}
