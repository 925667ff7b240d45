import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { scopeWhere } from '../../common/auth/scope.js';
import { Page, paginate } from '../../common/pagination/pagination.js';
import type { UnitRow } from '../lookups.repository.js';
import type { ListWarningsQuery } from './dto/warning.dto.js';
import { Warning } from './entities/warning.entity.js';
import type { Severity } from './warning-status.js';
import { IDENTITY_VIEWS } from '../../identity/index.js';

/** What a step of the warning's life changes; the only columns an update may set. */
export type WarningChanges = Partial<
  Pick<
    Warning,
    | 'status'
    | 'approvedBy'
    | 'approvedAt'
    | 'publishAt'
    | 'publishedAt'
    | 'fannedOutAt'
    | 'withdrawnBy'
    | 'withdrawnAt'
    | 'withdrawReason'
  >
>;

export interface NewWarning {
  title: string;
  body: string;
  fraudType: string;
  severity: Severity;
  unitId: string;
  authorId: string | null;
  publishAt: Date | null;
  source?: 'manual' | 'trend_scan';
  trendKey?: string | null;
}

/** Warnings and their target areas. */
@Injectable()
export class WarningsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The warning and its targets. Hand-written for ON CONFLICT (trend_key) DO NOTHING: a trend
   * draft of a (station, type, week) already drafted returns null instead of failing.
   */
  async insertWarning(
    em: EntityManager,
    w: NewWarning,
    targetUnitIds: string[],
  ): Promise<string | null> {
    const rows: { id: string }[] = await em.query(
      `INSERT INTO warnings (title, body, fraud_type, severity, unit_id, author_id, publish_at, source, trend_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (trend_key) DO NOTHING RETURNING id`,
      [
        w.title,
        w.body,
        w.fraudType,
        w.severity,
        w.unitId,
        w.authorId,
        w.publishAt,
        w.source ?? 'manual',
        w.trendKey ?? null,
      ],
    );
    if (!rows.length) return null;
    await em.query(
      `INSERT INTO warning_targets (warning_id, unit_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`,
      [rows[0].id, targetUnitIds],
    );
    return rows[0].id;
  }

  async findWarningScoped(
    actor: Actor,
    id: string,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<Warning | null> {
    const scope = scopeWhere(actor, 'w.unit_id');
    const qb = em
      .getRepository(Warning)
      .createQueryBuilder('w')
      .where('w.id = :id', { id })
      .andWhere(scope.sql, scope.params);
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  async findWarning(
    id: string,
    em: EntityManager = this.ds.manager,
    lock?: 'update' | 'share',
  ): Promise<Warning | null> {
    const qb = em.getRepository(Warning).createQueryBuilder('w').where('w.id = :id', { id });
    if (lock === 'update') qb.setLock('pessimistic_write');
    if (lock === 'share') qb.setLock('pessimistic_read');
    return qb.getOne();
  }

  async listWarnings(actor: Actor, q: ListWarningsQuery): Promise<Page<Warning>> {
    const scope = scopeWhere(actor, 'w.unit_id');
    const qb = this.ds
      .getRepository(Warning)
      .createQueryBuilder('w')
      .where(scope.sql, scope.params);
    if (q.status) qb.andWhere('w.status = :status', { status: q.status });
    return paginate(qb, q, {
      sort: 'w.created_at',
      id: 'w.id',
      value: (w) => w.createdAt.toISOString(),
    });
  }

  /** The target areas of each warning, by unit code. Joins identity's units view for the names. */
  async targetsOf(
    warningIds: string[],
    em: EntityManager = this.ds.manager,
  ): Promise<(UnitRow & { warning_id: string })[]> {
    return em.query(
      `SELECT t.warning_id, u.id, u.kind, u.code, u.name, u.path FROM warning_targets t
       JOIN ${IDENTITY_VIEWS.units} u ON u.id = t.unit_id WHERE t.warning_id = ANY($1::uuid[]) ORDER BY u.code`,
      [warningIds],
    );
  }

  /** A typed update (updated_at follows); the columns are the entity's, nothing else. */
  async updateWarning(em: EntityManager, id: string, set: WarningChanges): Promise<void> {
    await em.createQueryBuilder().update(Warning).set(set).where('id = :id', { id }).execute();
  }

  /** Scheduled warnings that fell due and published ones whose fan-out job never ran (lost). */
  async warningsToFanOut(em: EntityManager, graceMs: number): Promise<string[]> {
    const rows: { id: string }[] = await em.query(
      `SELECT id FROM warnings
       WHERE (status = 'published' AND fanned_out_at IS NULL AND published_at < now() - make_interval(secs => $1))
          OR (status = 'scheduled' AND publish_at < now() - make_interval(secs => $1))
       ORDER BY created_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
      [graceMs / 1000],
    );
    return rows.map((r) => r.id);
  }
}
