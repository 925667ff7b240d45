import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { Role } from '../../common/auth/roles.js';
import { scopeWhere } from '../../common/auth/scope.js';
import { metricFilter, type MetricSums } from './figures.js';

/** How rollup rows are grouped: all together, by fraud type, by child unit, or by period. */
export type Grouping =
  | { by: 'total' }
  | { by: 'fraudType' }
  | { by: 'unit'; parentPath: string | null }
  | { by: 'period'; interval: 'day' | 'week' | 'month' };

export interface UnitRow {
  id: string;
  code: string;
  name: string;
  path: string;
}

interface SumRow {
  g: string;
  metric: string;
  n: string;
  fen: string;
}

/**
 * Reads the statistics rollup (stats_daily, kept by triggers; see the StatsRollups migration).
 * Scope is a condition in the query (scopeWhere): the unit column for the police and community
 * police, the bank column for bank liaisons.
 */
@Injectable()
export class StatsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The column of stats_daily a role's scope applies to. */
  static scopeColumn(actor: Actor): string {
    return actor.role === Role.BankLiaison ? 's.bank_unit_id' : 's.unit_id';
  }

  async sums(
    actor: Actor,
    from: string,
    to: string,
    grouping: Grouping,
  ): Promise<Map<string, MetricSums>> {
    const col = StatsRepository.scopeColumn(actor);
    const scope = scopeWhere(actor, col);
    const metrics = metricFilter(actor.role);
    let group: string;
    let join = '';
    const params: Record<string, unknown> = { ...scope.params, from, to };
    switch (grouping.by) {
      case 'total':
        group = `''`;
        break;
      case 'fraudType':
        group = 's.fraud_type';
        break;
      case 'period':
        group =
          grouping.interval === 'day'
            ? 's.day::text'
            : `date_trunc('${grouping.interval}', s.day)::date::text`;
        break;
      case 'unit':
        // The child is the path segment one below the parent: '/a/b/c/' under '/a/' is b.
        join = `JOIN units su ON su.id = ${col}`;
        if (grouping.parentPath === null) {
          group = `split_part(su.path, '/', 2)`;
        } else {
          group = `split_part(su.path, '/', :segment)`;
          join += ` AND su.path LIKE :parentPath`;
          params.parentPath = `${grouping.parentPath}%`;
          params.segment = grouping.parentPath.split('/').length;
        }
        break;
    }
    if (metrics) params.metrics = metrics;
    const [sql, args] = this.ds.driver.escapeQueryWithParameters(
      `SELECT ${group} AS g, s.metric, sum(s.n)::text AS n, sum(s.fen)::text AS fen
       FROM stats_daily s ${join}
       WHERE s.day BETWEEN :from::date AND :to::date AND ${scope.sql}
         ${metrics ? 'AND s.metric IN (:...metrics)' : ''}
       GROUP BY 1, 2`,
      params,
    );
    const rows: SumRow[] = await this.ds.query(sql, args);
    const out = new Map<string, MetricSums>();
    for (const r of rows) {
      let m = out.get(r.g);
      if (!m) out.set(r.g, (m = new Map()));
      m.set(r.metric, { n: r.n, fen: r.fen });
    }
    return out;
  }

  fraudTypes(): Promise<{ code: string; label_zh: string }[]> {
    return this.ds.query('SELECT code, label_zh FROM fraud_types ORDER BY code');
  }

  /** The children of a unit (the top-level units for null), by code. */
  children(parentId: string | null): Promise<UnitRow[]> {
    return parentId === null
      ? this.ds.query(
          'SELECT id, code, name, path FROM units WHERE parent_id IS NULL ORDER BY code',
        )
      : this.ds.query('SELECT id, code, name, path FROM units WHERE parent_id = $1 ORDER BY code', [
          parentId,
        ]);
  }

  async unit(id: string): Promise<UnitRow | null> {
    const rows: UnitRow[] = await this.ds.query(
      'SELECT id, code, name, path FROM units WHERE id = $1',
      [id],
    );
    return rows[0] ?? null;
  }
}
