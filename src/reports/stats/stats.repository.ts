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
  /** [metric, n, fen] of the group, sums as text (exact: bigint). */
  m: [string, string, string][];
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (d: string) => Date.parse(`${d}T00:00:00Z`);

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

/** One contiguous range of rows of one rollup table. */
export interface RollupRange {
  table: 'stats_daily' | 'stats_monthly';
  from: string;
  to: string;
}

/**
 * Which rollup rows sum to from..to (inclusive days): the whole months from stats_monthly and the
 * days before and after them from stats_daily, each a plain range of the primary key (no "but not
 * these days" filter, which made the index scan read a whole year of daily rows to drop them);
 * all of it from stats_daily when `daysOnly` (series by day or week).
 */
export function rollupRanges(from: string, to: string, daysOnly: boolean): RollupRange[] {
  const months = daysOnly ? null : fullMonths(from, to);
  if (!months) return [{ table: 'stats_daily', from, to }];
  const [mFrom, mTo] = months;
  const mEnd = isoDay(Date.UTC(Number(mTo.slice(0, 4)), Number(mTo.slice(5, 7)), 0));
  const out: RollupRange[] = [];
  if (from < mFrom) out.push({ table: 'stats_daily', from, to: isoDay(dayMs(mFrom) - DAY_MS) });
  out.push({ table: 'stats_monthly', from: mFrom, to: mTo });
  if (mEnd < to) out.push({ table: 'stats_daily', from: isoDay(dayMs(mEnd) + DAY_MS), to });
  return out;
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

  /**
   * The summed metrics of the caller's scope over from..to, by group: one statement, one row per
   * group (metrics as a JSON array, so a year by day is 365 rows, not 20,000). Except by unit
   * (where the service subtracts the children's histograms from the parent's), the golden-hour
   * histogram comes back folded to one bucket — the lower median, with the count of every case —
   * which is all `assemble` reads of it, instead of up to hundreds of buckets per group.
   */
  async sums(
    actor: Actor,
    from: string,
    to: string,
    grouping: Grouping,
  ): Promise<Map<string, MetricSums>> {
    const { sql, params } = this.sumsStatement(actor, from, to, grouping);
    const rows: SumRow[] = await this.ds.query(sql, params);
    const out = new Map<string, MetricSums>();
    for (const r of rows) {
      const m: MetricSums = new Map();
      for (const [metric, n, fen] of r.m) m.set(metric, { n, fen });
      out.set(r.g, m);
    }
    return out;
  }

  /** The statement of `sums` (public for the repository tests' plan checks). */
  sumsStatement(
    actor: Actor,
    from: string,
    to: string,
    grouping: Grouping,
  ): { sql: string; params: unknown[] } {
    const bankSide = actor.role === Role.BankLiaison;
    const unitCol = bankSide ? 'bank_id' : 'subtree_id';
    const otherCol = bankSide ? 'subtree_id' : 'bank_id';
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const where: string[] = [`${otherCol} = '${ALL}'`];
    let group = `''`;
    if (grouping.by === 'unit') {
      where.push(`${unitCol} = ANY(${p(grouping.unitIds)}::uuid[])`);
      group = `${unitCol}::text`;
    } else where.push(`${unitCol} = ${p(StatsRepository.scopeRoot(actor))}::uuid`);
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
    const cond = where.join(' AND ');
    const ranges = rollupRanges(
      from,
      to,
      grouping.by === 'period' && grouping.interval !== 'month',
    );
    const union = ranges
      .map(
        (r) =>
          `SELECT ${group} AS g, metric, n, fen FROM ${r.table}
           WHERE ${cond} AND day BETWEEN ${p(r.from)}::date AND ${p(r.to)}::date`,
      )
      .join(' UNION ALL ');
    const summed = `SELECT g, metric, sum(n) AS n, sum(fen) AS fen FROM (${union}) s GROUP BY 1, 2`;
    const sql =
      grouping.by === 'unit'
        ? `WITH s AS (${summed})
           SELECT g, json_agg(json_build_array(metric, n::text, fen::text)) AS m FROM s GROUP BY g`
        : // The golden-hour histogram folded to its lower median (percentile_disc(0.5) of the
          // buckets: the first bucket whose running count reaches ceil(total / 2)), counting all.
          `WITH s AS (${summed}),
           h AS (
             SELECT g, metric, sum(n) OVER (PARTITION BY g ORDER BY substr(metric, 8)::int) AS cum,
                    sum(n) OVER (PARTITION BY g) AS total, substr(metric, 8)::int AS bucket
             FROM s WHERE metric LIKE 'golden:%'
           ),
           folded AS (
             SELECT g, metric, n, fen FROM s WHERE metric NOT LIKE 'golden:%'
             UNION ALL
             (SELECT DISTINCT ON (g) g, metric, total, 0 FROM h
              WHERE cum >= ceil(total / 2.0) ORDER BY g, cum, bucket)
           )
           SELECT g, json_agg(json_build_array(metric, n::text, fen::text)) AS m FROM folded GROUP BY g`;
    return { sql, params };
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
