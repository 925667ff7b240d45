// The statistics statements' plans, committed: each part of a range is an index-only scan of its
// rollup's primary key (range of `day` in the index condition, nothing read only to be filtered
// out). Fails when the covering primary key of migration StatsCovering stops being used (a heap
// fetch per daily row made a year by day cost ~10,000 page reads at 1,000,000 cases), or when a
// statement goes back to reading rows it then discards.
import { describe, it, beforeAll, afterAll } from '@jest/globals';
import assert from 'node:assert/strict';
import type { Actor } from '../../../src/common/auth/actor.js';
import {
  ALL,
  StatsRepository,
  type Grouping,
} from '../../../src/reports/stats/stats.repository.js';
import { actorOf } from '../identity/factories.js';
import { captureSql } from '../recoveries/capture-sql.js';
import { explain, openRepoDb, planNodes, planSummary, type RepoDb } from '../repo-db.js';

describe('StatsRepository plans', () => {
  let db: RepoDb;
  let repo: StatsRepository;
  let admin: Actor;
  let wu: Actor;

  beforeAll(async () => {
    db = await openRepoDb();
    repo = new StatsRepository(db.ds);
    [admin, wu] = await Promise.all(
      ['admin', 'wu.supervisor'].map(async (u) => actorOf(db.admin, await db.userId(u))),
    );
    // Rollup rows as a busy bureau has them (written straight, not through the triggers: only the
    // plans are checked here): two years of days × every police unit and "everything" × two fraud
    // types and all types × 12 metrics, and the months they sum to.
    await db.admin.query(
      `INSERT INTO stats_daily (day, subtree_id, fraud_type, bank_id, metric, n, fen)
       SELECT d::date, s.id, f.ft, $1::uuid, 'm' || m, 1, 100
       FROM generate_series('2024-01-01'::date, '2025-12-31'::date, interval '1 day') d,
            (SELECT id FROM units WHERE kind NOT IN ('bank', 'bank_branch') UNION ALL SELECT $1::uuid) s,
            (VALUES ('*'), ('romance'), ('other')) f(ft), generate_series(1, 12) m`,
      [ALL],
    );
    await db.admin.query(
      `INSERT INTO stats_monthly (day, subtree_id, fraud_type, bank_id, metric, n, fen)
       SELECT date_trunc('month', day)::date, subtree_id, fraud_type, bank_id, metric, sum(n), sum(fen)
       FROM stats_daily GROUP BY 1, 2, 3, 4, 5`,
    );
    // What autovacuum does after such a load: statistics, and the visibility map that lets an
    // index-only scan skip the heap.
    await db.admin.query('VACUUM (ANALYZE) stats_daily, stats_monthly');
  });
  afterAll(() => db.close());

  const cases: [string, () => Actor, string, string, Grouping, string[]][] = [
    [
      'overview, city, a year',
      () => admin,
      '2025-01-01',
      '2025-12-31',
      { by: 'total' },
      ['stats_monthly'],
    ],
    [
      'overview, sub-bureau, days and months',
      () => wu,
      '2025-03-15',
      '2025-05-20',
      { by: 'total' },
      ['stats_daily', 'stats_monthly'],
    ],
    [
      'timeseries by day, city, a year',
      () => admin,
      '2025-01-01',
      '2025-12-31',
      { by: 'period', interval: 'day' },
      ['stats_daily'],
    ],
    [
      'timeseries by week, city, a year',
      () => admin,
      '2025-01-01',
      '2025-12-31',
      { by: 'period', interval: 'week' },
      ['stats_daily'],
    ],
    [
      'timeseries by month, city, a year',
      () => admin,
      '2025-01-01',
      '2025-12-31',
      { by: 'period', interval: 'month' },
      ['stats_monthly'],
    ],
  ];

  for (const [name, actor, from, to, grouping, tables] of cases) {
    it(`${name}: one statement, index-only scans of the rollups' primary keys`, async () => {
      const seen = await captureSql(db.ds, () => repo.sums(actor(), from, to, grouping));
      assert.equal(seen.length, 1);
      const plan = await explain(db.ds, seen[0].sql, seen[0].params);
      assert.deepEqual(planSummary(plan).seqScans, []);
      const scans = planNodes(plan).filter((n) => n['Relation Name']);
      assert.deepEqual([...new Set(scans.map((n) => n['Relation Name']))].sort(), tables);
      for (const n of scans) {
        const where = `${name}: ${n['Node Type']} on ${n['Relation Name']}`;
        assert.equal(n['Node Type'], 'Index Only Scan', where);
        assert.equal(n['Index Name'], `${n['Relation Name']}_pkey`, where);
        assert.match(String(n['Index Cond']), /day >=/, where);
        assert.equal(n.Filter, undefined, `${where} filters rows it read: ${String(n.Filter)}`);
      }
    });
  }
});
