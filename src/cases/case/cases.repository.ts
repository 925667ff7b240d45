import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, SelectQueryBuilder } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { scopeWhere } from '../../common/auth/scope.js';
import { returned } from '../../common/database/returned.js';
import { Page, paginate, PageQuery } from '../../common/pagination/pagination.js';
import type { ListCasesQuery } from './dto/case.dto.js';
import { Case } from './entities/case.entity.js';
import type { IdentifierKind } from '../../common/validation/identifiers.js';
import { Victim } from './entities/victim.entity.js';
import { IDENTITY_VIEWS } from '../../identity/index.js';

/** A user's text as a literal inside LIKE/ILIKE (backslash is PostgreSQL's default escape). */
const likeEscape = (text: string) => text.replace(/[\\%_]/g, (m) => `\\${m}`);

export interface CaseIdentifierRow {
  id: string;
  kind: IdentifierKind;
  value: string;
  bank_name: string | null;
  luhn_valid: boolean | null;
  role: string;
  note: string | null;
}

export interface TransferRow {
  id: string;
  victim_id: string;
  identifier_id: string;
  amount_fen: string;
  transferred_at: Date;
  channel: string;
}

/** A case with its victims, identifiers and transfers, read in one round trip (GET /cases/:id). */
export interface CaseViewRow {
  case: Case;
  /** The owning unit's path, to check the caller's scope on a view held in memory. */
  unitPath: string;
  victims: Victim[];
  identifiers: CaseIdentifierRow[];
  transfers: TransferRow[];
}

interface CaseViewJson {
  id: string;
  unit_path: string;
  case_no: string;
  fraud_type: string;
  status: Case['status'];
  summary: string;
  reported_at: string;
  occurred_at: string | null;
  unit_id: string;
  officer_id: string | null;
  loss_fen: string;
  created_at: string;
  updated_at: string;
  victims: {
    id: string;
    case_id: string;
    name_enc: string;
    id_number_enc: string | null;
    phone_enc: string | null;
    address_enc: string | null;
    id_number_bidx: string | null;
    phone_bidx: string | null;
    community_unit_id: string | null;
    created_at: string;
  }[];
  identifiers: CaseIdentifierRow[];
  transfers: (Omit<TransferRow, 'transferred_at'> & { transferred_at: string })[];
}

export interface TimelineRow {
  type: 'transition' | 'note' | 'evidence';
  id: string;
  at: Date;
  actor_id: string | null;
  from_status: string | null;
  to_status: string | null;
  text: string;
}

/** The columns a new case row is written with (the rest are defaulted by the database). */
export type NewCase = Pick<
  Case,
  | 'caseNo'
  | 'fraudType'
  | 'status'
  | 'summary'
  | 'reportedAt'
  | 'occurredAt'
  | 'unitId'
  | 'officerId'
  | 'lossFen'
>;

/** What PATCH /cases/:id may change. */
export type CaseChanges = Partial<Pick<Case, 'fraudType' | 'summary' | 'occurredAt' | 'officerId'>>;

/** A victim row as written: PII already encrypted, with its blind indexes. */
export type NewVictim = Omit<Victim, 'id' | 'createdAt'>;

/**
 * The queries of a case and its parties (victims, identifiers, transfers). Rows with an entity
 * (cases, victims) go through TypeORM's repositories and query builder; hand-written SQL where a
 * statement earns it (the case-number counter and identifier upsert with ON CONFLICT, the view in
 * one round trip, the timeline's UNION) and for the link tables that have no entity
 * (case_identifiers, victim_transfers, case_transitions, case_notes: a single-statement read or
 * write each, positional parameters, rows typed by the interfaces above). Scope is applied in SQL
 * through scopeWhere (the one exception: `view`, whose caller checks the unit path).
 */
@Injectable()
export class CasesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** One transaction for a change of a case and its parties (with its audit row). */
  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /** The connection outside any transaction, for an audit row of a read. */
  get manager(): EntityManager {
    return this.ds.manager;
  }

  async insertCase(em: EntityManager, c: NewCase): Promise<Case> {
    const repo = em.getRepository(Case);
    return repo.save(repo.create(c));
  }

  async updateCase(em: EntityManager, id: string, changes: CaseChanges): Promise<void> {
    await em.getRepository(Case).update({ id }, changes);
  }

  async setStatus(em: EntityManager, id: string, status: Case['status']): Promise<void> {
    await em.getRepository(Case).update({ id }, { status });
  }

  /** A case by id, whatever the scope (the caller has checked it); throws if there is none. */
  findById(em: EntityManager, id: string): Promise<Case> {
    return em.getRepository(Case).findOneByOrFail({ id });
  }

  async insertVictim(em: EntityManager, v: NewVictim): Promise<Victim> {
    const repo = em.getRepository(Victim);
    return repo.save(repo.create(v));
  }

  /** Victims by id, in any case (for sheets other modules print); unknown ids are skipped. */
  victimsByIds(ids: string[]): Promise<Victim[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.ds.getRepository(Victim).findBy({ id: In([...new Set(ids)]) });
  }

  /** `em`: inside the caller's transaction, on its connection (no second one from the pool). */
  victimById(id: string, em: EntityManager = this.ds.manager): Promise<Victim | null> {
    return em.getRepository(Victim).findOneBy({ id });
  }

  /** The next case number of a unit in a year; atomic, so concurrent intakes never share one. */
  async nextSequence(em: EntityManager, unitId: string, year: number): Promise<number> {
    const rows: { last_seq: number }[] = await em.query(
      `INSERT INTO case_sequences (unit_id, year, last_seq) VALUES ($1, $2, 1)
       ON CONFLICT (unit_id, year) DO UPDATE SET last_seq = case_sequences.last_seq + 1
       RETURNING last_seq`,
      [unitId, year],
    );
    return rows[0].last_seq;
  }

  /** One case if the caller's scope includes its unit; `lock` takes a row lock in the transaction. */
  async findScoped(
    actor: Actor,
    id: string,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<Case | null> {
    const scope = scopeWhere(actor, 'c.unit_id');
    const qb = em
      .getRepository(Case)
      .createQueryBuilder('c')
      .where('c.id = :id', { id })
      .andWhere(scope.sql, scope.params);
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  /**
   * The case view in one query (the hot read path): the case if in the caller's scope, with its
   * victims, identifiers and transfers aggregated as JSON, in the same orders as the sub-resources.
   */
  /** Any case, whatever the caller's scope: the caller checks `unitPath` (see CaseViewCache). */
  async view(id: string): Promise<CaseViewRow | null> {
    const sql = `SELECT json_build_object(
         'id', c.id, 'case_no', c.case_no, 'fraud_type', c.fraud_type, 'status', c.status,
         'summary', c.summary, 'reported_at', c.reported_at, 'occurred_at', c.occurred_at,
         'unit_id', c.unit_id, 'officer_id', c.officer_id, 'loss_fen', c.loss_fen::text,
         'created_at', c.created_at, 'updated_at', c.updated_at,
         'unit_path', (SELECT u.path FROM ${IDENTITY_VIEWS.units} u WHERE u.id = c.unit_id),
         'victims', COALESCE((SELECT json_agg(v ORDER BY v.created_at, v.id)
                              FROM victims v WHERE v.case_id = c.id), '[]'),
         'identifiers', COALESCE((SELECT json_agg(x ORDER BY x.created_at, x.id) FROM (
                                   SELECT i.id, i.kind, i.value, i.bank_name, i.luhn_valid, ci.role,
                                          ci.note, ci.created_at
                                   FROM case_identifiers ci JOIN identifiers i ON i.id = ci.identifier_id
                                   WHERE ci.case_id = c.id) x), '[]'),
         'transfers', COALESCE((SELECT json_agg(t ORDER BY t.transferred_at, t.id) FROM (
                                 SELECT id, victim_id, identifier_id, amount_fen::text, transferred_at,
                                        channel
                                 FROM victim_transfers WHERE case_id = c.id) t), '[]')
       ) AS view
       FROM cases c WHERE c.id = $1`;
    const params = [id];
    const rows: { view: CaseViewJson }[] = await this.ds.query(sql, params);
    const v = rows[0]?.view;
    if (!v) return null;
    const c = Object.assign(new Case(), {
      id: v.id,
      caseNo: v.case_no,
      fraudType: v.fraud_type,
      status: v.status,
      summary: v.summary,
      reportedAt: new Date(v.reported_at),
      occurredAt: v.occurred_at === null ? null : new Date(v.occurred_at),
      unitId: v.unit_id,
      officerId: v.officer_id,
      lossFen: v.loss_fen,
      createdAt: new Date(v.created_at),
      updatedAt: new Date(v.updated_at),
    });
    const victims = v.victims.map((r) =>
      Object.assign(new Victim(), {
        id: r.id,
        caseId: r.case_id,
        nameEnc: r.name_enc,
        idNumberEnc: r.id_number_enc,
        phoneEnc: r.phone_enc,
        addressEnc: r.address_enc,
        idNumberBidx: r.id_number_bidx,
        phoneBidx: r.phone_bidx,
        communityUnitId: r.community_unit_id,
        createdAt: new Date(r.created_at),
      }),
    );
    const identifiers = v.identifiers.map((r) => ({
      id: r.id,
      kind: r.kind,
      value: r.value,
      bank_name: r.bank_name,
      luhn_valid: r.luhn_valid,
      role: r.role,
      note: r.note,
    }));
    const transfers = v.transfers.map((t) => ({
      ...t,
      transferred_at: new Date(t.transferred_at),
    }));
    return { case: c, unitPath: v.unit_path, victims, identifiers, transfers };
  }

  async list(actor: Actor, q: ListCasesQuery): Promise<Page<Case>> {
    const scope = scopeWhere(actor, 'c.unit_id');
    const qb = this.ds.getRepository(Case).createQueryBuilder('c').where(scope.sql, scope.params);
    if (q.status) qb.andWhere('c.status = :status', { status: q.status });
    if (q.fraudType) qb.andWhere('c.fraud_type = :fraudType', { fraudType: q.fraudType });
    if (q.unitId) {
      qb.andWhere(
        `c.unit_id IN (SELECT fu.id FROM ${IDENTITY_VIEWS.units} fu WHERE fu.path LIKE (SELECT pu.path FROM ${IDENTITY_VIEWS.units} pu WHERE pu.id = :unitId) || '%')`,
        { unitId: q.unitId },
      );
    }
    if (q.reportedFrom) qb.andWhere('c.reported_at >= :from', { from: q.reportedFrom });
    if (q.reportedTo) qb.andWhere('c.reported_at < :to', { to: q.reportedTo });
    if (q.minLossFen !== undefined)
      qb.andWhere('c.loss_fen >= :minLoss', { minLoss: String(q.minLossFen) });
    if (q.q) qb.andWhere("c.summary ILIKE '%' || :text || '%'", { text: likeEscape(q.q) });
    return this.newestFirst(qb, q);
  }

  /**
   * POST /cases/search: cases in the caller's scope whose number starts with `caseNoPrefix`
   * (normalized, upper-case), with a victim of that ID number or phone (by blind index), with the
   * text in their summary; every criterion given must match. Same order and cursor as `list`.
   */
  search(
    actor: Actor,
    c: { caseNoPrefix?: string; idNumberBidx?: string; phoneBidx?: string; text?: string },
    page: PageQuery,
  ): Promise<Page<Case>> {
    const scope = scopeWhere(actor, 'c.unit_id');
    const qb = this.ds.getRepository(Case).createQueryBuilder('c').where(scope.sql, scope.params);
    if (c.caseNoPrefix !== undefined)
      qb.andWhere("c.case_no LIKE :caseNo || '%'", { caseNo: likeEscape(c.caseNoPrefix) });
    if (c.idNumberBidx !== undefined)
      qb.andWhere(
        'EXISTS (SELECT 1 FROM victims vi WHERE vi.case_id = c.id AND vi.id_number_bidx = :idBidx)',
        { idBidx: c.idNumberBidx },
      );
    if (c.phoneBidx !== undefined)
      qb.andWhere(
        'EXISTS (SELECT 1 FROM victims vp WHERE vp.case_id = c.id AND vp.phone_bidx = :phoneBidx)',
        { phoneBidx: c.phoneBidx },
      );
    if (c.text !== undefined)
      qb.andWhere("c.summary ILIKE '%' || :text || '%'", { text: likeEscape(c.text) });
    return this.newestFirst(qb, page);
  }

  /** Case lists: newest report first, by the one pagination helper. */
  private newestFirst(qb: SelectQueryBuilder<Case>, page: PageQuery): Promise<Page<Case>> {
    return paginate(qb, page, {
      sort: "date_trunc('milliseconds', c.reported_at)",
      id: 'c.id',
      direction: 'DESC',
      value: (c) => c.reportedAt.toISOString(),
    });
  }

  victims(caseId: string, em: EntityManager = this.ds.manager): Promise<Victim[]> {
    return em
      .getRepository(Victim)
      .find({ where: { caseId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  identifiers(caseId: string, em: EntityManager = this.ds.manager): Promise<CaseIdentifierRow[]> {
    return em.query(
      `SELECT i.id, i.kind, i.value, i.bank_name, i.luhn_valid, ci.role, ci.note
       FROM case_identifiers ci JOIN identifiers i ON i.id = ci.identifier_id
       WHERE ci.case_id = $1 ORDER BY ci.created_at, i.id`,
      [caseId],
    );
  }

  transfers(caseId: string, em: EntityManager = this.ds.manager): Promise<TransferRow[]> {
    return em.query(
      `SELECT id, victim_id, identifier_id, amount_fen, transferred_at, channel
       FROM victim_transfers WHERE case_id = $1 ORDER BY transferred_at, id`,
      [caseId],
    );
  }

  /**
   * The shared row of (kind, value), created if new. Identifiers are immutable once created.
   * Hand-written: ON CONFLICT DO NOTHING and the read of the existing row in one round trip. When
   * a concurrent intake inserted the same value after this statement's snapshot, the INSERT waits
   * for it and skips, and the snapshot cannot see its row: a second statement (a fresh snapshot,
   * the other transaction committed by then) reads it.
   */
  async upsertIdentifier(
    em: EntityManager,
    i: { kind: IdentifierKind; value: string; bankName: string | null; luhnValid: boolean | null },
  ): Promise<string> {
    const rows: { id: string }[] = await em.query(
      `WITH ins AS (
         INSERT INTO identifiers (kind, value, bank_name, luhn_valid) VALUES ($1, $2, $3, $4)
         ON CONFLICT (kind, value) DO NOTHING RETURNING id)
       SELECT id FROM ins UNION ALL SELECT id FROM identifiers WHERE kind = $1 AND value = $2 LIMIT 1`,
      [i.kind, i.value, i.bankName, i.luhnValid],
    );
    if (rows.length) return rows[0].id;
    const raced: { id: string }[] = await em.query(
      'SELECT id FROM identifiers WHERE kind = $1 AND value = $2',
      [i.kind, i.value],
    );
    return raced[0].id;
  }

  async linkIdentifier(
    em: EntityManager,
    caseId: string,
    identifierId: string,
    role: string,
    note: string | null,
  ): Promise<boolean> {
    const rows: unknown[] = await em.query(
      `INSERT INTO case_identifiers (case_id, identifier_id, role, note) VALUES ($1, $2, $3, $4)
       ON CONFLICT (case_id, identifier_id) DO NOTHING RETURNING case_id`,
      [caseId, identifierId, role, note],
    );
    return rows.length > 0;
  }

  async unlinkIdentifier(
    em: EntityManager,
    caseId: string,
    identifierId: string,
  ): Promise<boolean> {
    // A DELETE answers [rows, count] through em.query: returned() gives the rows.
    const result: unknown = await em.query(
      'DELETE FROM case_identifiers WHERE case_id = $1 AND identifier_id = $2 RETURNING case_id',
      [caseId, identifierId],
    );
    return returned(result).length > 0;
  }

  async transferCountForIdentifier(
    em: EntityManager,
    caseId: string,
    identifierId: string,
  ): Promise<number> {
    const rows: { n: number }[] = await em.query(
      'SELECT count(*)::int AS n FROM victim_transfers WHERE case_id = $1 AND identifier_id = $2',
      [caseId, identifierId],
    );
    return rows[0].n;
  }

  async insertTransfer(
    em: EntityManager,
    t: {
      caseId: string;
      victimId: string;
      identifierId: string;
      amountFen: number;
      transferredAt: string;
      channel: string;
    },
  ): Promise<string> {
    const rows: { id: string }[] = await em.query(
      `INSERT INTO victim_transfers (case_id, victim_id, identifier_id, amount_fen, transferred_at, channel)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [t.caseId, t.victimId, t.identifierId, String(t.amountFen), t.transferredAt, t.channel],
    );
    return rows[0].id;
  }

  async insertTransition(
    em: EntityManager,
    t: { caseId: string; from: string; to: string; reason: string; actorId: string | null },
  ): Promise<void> {
    await em.query(
      'INSERT INTO case_transitions (case_id, from_status, to_status, reason, actor_id) VALUES ($1, $2, $3, $4, $5)',
      [t.caseId, t.from, t.to, t.reason, t.actorId],
    );
  }

  async insertNote(
    em: EntityManager,
    caseId: string,
    authorId: string | null,
    body: string,
  ): Promise<TimelineRow> {
    const rows: TimelineRow[] = await em.query(
      `INSERT INTO case_notes (case_id, author_id, body) VALUES ($1, $2, $3)
       RETURNING 'note' AS type, id, created_at AS at, author_id AS actor_id, NULL AS from_status, NULL AS to_status, body AS text`,
      [caseId, authorId, body],
    );
    return rows[0];
  }

  /** Transitions, notes and evidence uploads of a case, oldest first. */
  timeline(caseId: string, onlyNotes = false): Promise<TimelineRow[]> {
    const notes = `SELECT 'note' AS type, id, created_at AS at, author_id AS actor_id, NULL AS from_status, NULL AS to_status, body AS text
                   FROM case_notes WHERE case_id = $1`;
    const transitions = `SELECT 'transition', id, created_at, actor_id, from_status, to_status, reason
                         FROM case_transitions WHERE case_id = $1`;
    const evidence = `SELECT 'evidence', id, created_at, uploaded_by, NULL, NULL, filename
                      FROM evidence WHERE case_id = $1`;
    return this.ds.query(
      `${onlyNotes ? notes : `${notes} UNION ALL ${transitions} UNION ALL ${evidence}`} ORDER BY at, id`,
      [caseId],
    );
  }

  unitOfficerIn(unitPath: string, userId: string): Promise<boolean> {
    return this.ds
      .query(
        `SELECT 1 FROM ${IDENTITY_VIEWS.users} u JOIN ${IDENTITY_VIEWS.units} un ON un.id = u.unit_id
         WHERE u.id = $1 AND un.path LIKE $2 AND u.role IN ('officer','supervisor') AND u.disabled_at IS NULL`,
        [userId, `${unitPath}%`],
      )
      .then((r: unknown[]) => r.length > 0);
  }
}
