import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { Role } from '../../common/auth/roles.js';
import { metricFilter, type MetricSums } from './figures.js';
import { CASES_VIEWS } from '../../cases/index.js';
import { IDENTITY_VIEWS } from '../../identity/index.js';

/** The rollups' "everything" key (no subtree, no bank). */
export const ALL = '00000000-0000-0000-0000-000000000000';

/** How rollup rows are grouped: all together, by fraud type, by unit subtree, or by period. */
export type Grouping =
  | { by: 'total' }
  | { by: 'fraudType' }
  | { by: 'unit'; unitIds: string[] }
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

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The whole calendar months within from..to, as [first day of the first, first day of the last], or null. */
export function fullMonths(from: string, to: string): [string, string] | null {
  const first = from.endsWith('-01')
    ? from
    : isoDay(Date.UTC(Number(from.slice(0, 4)), Number(from.slice(5, 7)), 1));
  const toNext = isoDay(Date.parse(`${to}T00:00:00Z`) + DAY_MS);
  const lastStart = toNext.endsWith('-01')
    ? isoDay(Date.UTC(Number(to.slice(0, 4)), Number(to.slice(5, 7)) - 1, 1))
    : isoDay(Date.UTC(Number(to.slice(0, 4)), Number(to.slice(5, 7)) - 2, 1));
  return first <= lastStart ? [first, lastStart] : null;
}

/**
 * Reads the statistics rollups (stats_daily, stats_monthly; kept by triggers, see the StatsRollups
 * migration). The caller's scope is one key of the rollup — the top unit of its subtree (nil for
 * admins), or for a bank liaison its bank — which is the scope rule of scopeWhere (a unit's
 * subtree) precomputed: each fact is summed into its unit and every ancestor. Whole months of
 * a range come from the monthly rollup, the days at its edges from the daily one.
 */
@Injectable()
export class StatsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The rollup key of the caller's scope: the top of its subtree, or nil (admin). */
  static scopeRoot(actor: Actor): string {
    if (actor.scopePath === null) return ALL;
    const ids = actor.scopePath.split('/').filter(Boolean);
    return ids[ids.length - 1];
  }

  async sums(
    actor: Actor,
    from: string,
    to: string,
    grouping: Grouping,
  ): Promise<Map<string, MetricSums>> {
    const bankSide = actor.role === Role.BankLiaison;
    const root = StatsRepository.scopeRoot(actor);
    const unitCol = bankSide ? 'bank_id' : 'subtree_id';
    const otherCol = bankSide ? 'subtree_id' : 'bank_id';
    const params: unknown[] = [from, to];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const where: string[] = [`${otherCol} = '${ALL}'`];
    let group = `''`;
    if (grouping.by === 'unit') {
      where.push(`${unitCol} = ANY(${p(grouping.unitIds)}::uuid[])`);
      group = `${unitCol}::text`;
    } else where.push(`${unitCol} = ${p(root)}::uuid`);
    if (grouping.by === 'fraudType') {
      where.push(`fraud_type <> '*'`);
      group = 'fraud_type';
    } else where.push(`fraud_type = '*'`);
    if (grouping.by === 'period') {
      group =
        grouping.interval === 'day'
          ? 'day::text'
          : `date_trunc('${grouping.interval}', day)::date::text`;
    }
    const metrics = metricFilter(actor.role);
    if (metrics) where.push(`metric = ANY(${p(metrics)}::text[])`);
    // Days by day and week; whole months from the monthly rollup otherwise.
    const months =
      grouping.by === 'period' && grouping.interval !== 'month' ? null : fullMonths(from, to);
    const [mFrom, mTo] = months ?? ['2999-01-01', '2000-01-01'];
    const mEnd = months
      ? isoDay(Date.UTC(Number(mTo.slice(0, 4)), Number(mTo.slice(5, 7)), 0))
      : '2000-01-01';
    const cond = where.join(' AND ');
    const rows: SumRow[] = await this.ds.query(
      `SELECT ${group} AS g, metric, sum(n)::text AS n, sum(fen)::text AS fen FROM (
         SELECT day, subtree_id, bank_id, fraud_type, metric, n, fen FROM stats_daily
         WHERE ${cond} AND day BETWEEN $1::date AND $2::date
           AND NOT (day BETWEEN ${p(mFrom)}::date AND ${p(mEnd)}::date)
         UNION ALL
         SELECT day, subtree_id, bank_id, fraud_type, metric, n, fen FROM stats_monthly
         WHERE ${cond} AND day BETWEEN ${p(mFrom)}::date AND ${p(mTo)}::date
       ) s
       GROUP BY 1, 2`,
      params,
    );
    const out = new Map<string, MetricSums>();
    for (const r of rows) {
      let m = out.get(r.g);
      if (!m) out.set(r.g, (m = new Map()));
      m.set(r.metric, { n: r.n, fen: r.fen });
    }
    return out;
  }

  fraudTypes(): Promise<{ code: string; label_zh: string }[]> {
    return this.ds.query(`SELECT code, label_zh FROM ${CASES_VIEWS.fraudTypes} ORDER BY code`);
  }

  /** The children of a unit (the top-level units for null), by code. */
  children(parentId: string | null): Promise<UnitRow[]> {
    return parentId === null
      ? this.ds.query(
          `SELECT id, code, name, path FROM ${IDENTITY_VIEWS.units} WHERE parent_id IS NULL ORDER BY code`,
        )
      : this.ds.query(
          `SELECT id, code, name, path FROM ${IDENTITY_VIEWS.units} WHERE parent_id = $1 ORDER BY code`,
          [parentId],
        );
  }

  async unit(id: string): Promise<UnitRow | null> {
    const rows: UnitRow[] = await this.ds.query(
      `SELECT id, code, name, path FROM ${IDENTITY_VIEWS.units} WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }
}
