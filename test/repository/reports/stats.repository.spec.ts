import { describe, it, beforeAll, afterAll } from '@jest/globals';
import assert from 'node:assert/strict';
import type { Actor } from '../../../src/common/auth/actor.js';
import { histogramMedian, type MetricSums } from '../../../src/reports/stats/figures.js';
import {
  ALL,
  StatsRepository,
  type Grouping,
  fullMonths,
  rollupRanges,
} from '../../../src/reports/stats/stats.repository.js';
import { actorOf } from '../identity/factories.js';
import { captureSql } from '../recoveries/capture-sql.js';
import { openRepoDb, type RepoDb } from '../repo-db.js';
import { makeOrderAfter, makeStatsCase } from './factories.js';

/** metric → n, for comparing a group's sums. */
// (A rollup row can sum to zero, a golden-hour bucket a case left: `golden` leaves those out.)
const counts = (m: MetricSums | undefined) =>
  Object.fromEntries([...(m ?? new Map()).entries()].map(([k, v]) => [k, Number(v.n)]));
const golden = (m: MetricSums | undefined): [number, number][] =>
  [...(m ?? new Map()).entries()]
    .filter(([k, v]) => k.startsWith('golden:') && v.n !== '0')
    .map(([k, v]) => [Number(k.slice(7)), Number(v.n)]);

describe('StatsRepository', () => {
  let db: RepoDb;
  let repo: StatsRepository;
  let wa: string;
  let hx: string;
  let gy: string;
  let icbc: string;
  let admin: Actor;
  let wu: Actor;
  let zhang: Actor;
  let liu: Actor;
  let chen: Actor;
  const as = async (username: string) => actorOf(db.admin, await db.userId(username));

  beforeAll(async () => {
    db = await openRepoDb();
    repo = new StatsRepository(db.ds);
    [wa, hx, gy, icbc] = await Promise.all(
      ['GY-YY-WA', 'GY-NM-HX', 'GY', 'ICBC-GY'].map((c) => db.unitId(c)),
    );
    [admin, wu, zhang, liu, chen] = await Promise.all(
      ['admin', 'wu.supervisor', 'zhang.supervisor', 'liu.icbc', 'chen.community'].map(as),
    );
    // Two cases either side of midnight in Shanghai on 31 March → 1 April 2025 (16:00 UTC), one
    // in HX on 15 May, one in 2024. Orders 10, 20, 30 and 40 minutes after the WA cases' reports.
    const late = await makeStatsCase(db.admin, {
      unitId: wa,
      reportedAt: '2025-03-31T15:59:59Z',
      status: 'registered',
      lossFen: 1_000,
    });
    const early = await makeStatsCase(db.admin, {
      unitId: wa,
      reportedAt: '2025-03-31T16:00:00Z',
      status: 'solved',
      lossFen: 20_000,
    });
    const may = await makeStatsCase(db.admin, {
      unitId: wa,
      reportedAt: '2025-05-15T04:00:00Z',
      status: 'solved',
    });
    const nm = await makeStatsCase(db.admin, {
      unitId: hx,
      reportedAt: '2025-05-15T04:00:00Z',
      fraudType: 'romance',
      lossFen: 300_000,
    });
    await makeStatsCase(db.admin, { unitId: wa, reportedAt: '2024-06-01T04:00:00Z' });
    for (const [caseId, minutes] of [
      [late, 10],
      [early, 20],
      [may, 30],
      [nm, 40],
    ] as const)
      await makeOrderAfter(db.admin, {
        caseId,
        unitId: caseId === nm ? hx : wa,
        bankUnitId: icbc,
        minutes,
      });
  });
  afterAll(() => db.close());

  describe('rollup ranges', () => {
    it('takes whole months from the monthly rollup and the edge days from the daily one', () => {
      assert.deepEqual(fullMonths('2025-03-15', '2025-05-10'), ['2025-04-01', '2025-04-01']);
      assert.equal(fullMonths('2025-03-02', '2025-03-31'), null);
      assert.deepEqual(rollupRanges('2025-03-15', '2025-05-10', false), [
        { table: 'stats_daily', from: '2025-03-15', to: '2025-03-31' },
        { table: 'stats_monthly', from: '2025-04-01', to: '2025-04-01' },
        { table: 'stats_daily', from: '2025-05-01', to: '2025-05-10' },
      ]);
      assert.deepEqual(rollupRanges('2025-01-01', '2025-12-31', false), [
        { table: 'stats_monthly', from: '2025-01-01', to: '2025-12-01' },
      ]);
      assert.deepEqual(rollupRanges('2024-02-01', '2024-02-29', false), [
        { table: 'stats_monthly', from: '2024-02-01', to: '2024-02-01' },
      ]);
      assert.deepEqual(rollupRanges('2025-01-01', '2025-12-31', true), [
        { table: 'stats_daily', from: '2025-01-01', to: '2025-12-31' },
      ]);
      assert.deepEqual(rollupRanges('2025-03-31', '2025-03-31', false), [
        { table: 'stats_daily', from: '2025-03-31', to: '2025-03-31' },
      ]);
    });
  });

  describe('sums', () => {
    it('counts a case on its calendar day in Asia/Shanghai (a second before midnight, and midnight)', async () => {
      const byDay = await repo.sums(admin, '2025-03-31', '2025-04-01', {
        by: 'period',
        interval: 'day',
      });
      assert.deepEqual([...byDay.keys()].sort(), ['2025-03-31', '2025-04-01']);
      assert.equal(counts(byDay.get('2025-03-31'))['case:registered'], 1);
      assert.equal(byDay.get('2025-03-31')?.get('case:registered')?.fen, '1000');
      assert.equal(counts(byDay.get('2025-03-31'))['case:solved'], undefined);
      assert.equal(counts(byDay.get('2025-04-01'))['case:solved'], 1);
      // March alone (a whole month: the monthly rollup) has the late case only, April the early one.
      const march = await repo.sums(admin, '2025-03-01', '2025-03-31', { by: 'total' });
      assert.deepEqual(
        [counts(march.get(''))['case:registered'], counts(march.get(''))['case:solved']],
        [1, undefined],
      );
      const april = await repo.sums(admin, '2025-04-01', '2025-04-30', { by: 'total' });
      assert.equal(counts(april.get(''))['case:solved'], 1);
      assert.equal(counts(april.get(''))['case:registered'], undefined);
    });

    it('adds the edge days and whole months alike: a range across three months equals its days summed', async () => {
      const total = await repo.sums(admin, '2025-03-15', '2025-05-20', { by: 'total' });
      const days = await repo.sums(admin, '2025-03-15', '2025-05-20', {
        by: 'period',
        interval: 'day',
      });
      const summed: Record<string, number> = {};
      for (const m of days.values())
        for (const [k, v] of m)
          if (!k.startsWith('golden:')) summed[k] = (summed[k] ?? 0) + Number(v.n);
      const t = counts(total.get(''));
      for (const k of Object.keys(t)) if (k.startsWith('golden:')) delete t[k];
      assert.deepEqual(t, summed);
      assert.equal(t['case:solved'], 2);
      assert.equal(t['case:reported'], 1);
      assert.equal(t['case:registered'], 1);
      assert.equal(t.requested, 4);
    });

    it('answers an empty map for an empty range, and for a scope with no rows', async () => {
      assert.equal((await repo.sums(admin, '2023-01-01', '2023-12-31', { by: 'total' })).size, 0);
      assert.equal(
        (await repo.sums(admin, '2023-01-01', '2023-12-31', { by: 'period', interval: 'day' }))
          .size,
        0,
      );
      // zhang.supervisor's GY-FZ has no case at all.
      assert.equal((await repo.sums(zhang, '2024-01-01', '2025-12-31', { by: 'total' })).size, 0);
      assert.equal(
        (await repo.sums(zhang, '2024-01-01', '2025-12-31', { by: 'period', interval: 'week' }))
          .size,
        0,
      );
    });

    it('reads the caller’s subtree only: a sub-bureau sees its brigade, not the other sub-bureau', async () => {
      const city = counts(
        (await repo.sums(admin, '2025-05-01', '2025-05-31', { by: 'total' })).get(''),
      );
      const yy = counts((await repo.sums(wu, '2025-05-01', '2025-05-31', { by: 'total' })).get(''));
      assert.equal(city['case:solved'] + city['case:reported'], 2);
      assert.deepEqual([yy['case:solved'], yy['case:reported']], [1, undefined]);
    });

    it('keys a bank liaison by its bank and gives it only the bank’s metrics', async () => {
      const s = (await repo.sums(liu, '2025-01-01', '2025-12-31', { by: 'total' })).get('');
      assert.deepEqual(Object.keys(counts(s)).sort(), ['requested', 'stopped']);
      assert.equal(counts(s).requested, 4);
      assert.equal(s?.get('requested')?.fen, '400000');
      // Community police see warnings and deliveries only: none here.
      assert.equal((await repo.sums(chen, '2025-01-01', '2025-12-31', { by: 'total' })).size, 0);
    });

    it('folds the golden-hour histogram to its lower median with the count of every case', async () => {
      // Minutes 10, 20, 30, 40: the lower median is 20, over four cases.
      const total = (await repo.sums(admin, '2025-01-01', '2025-12-31', { by: 'total' })).get('');
      assert.deepEqual(golden(total), [[20, 4]]);
      // By unit the whole histogram comes back (the service subtracts children's from the parent's);
      // its median is the folded one.
      const byUnit = await repo.sums(admin, '2025-01-01', '2025-12-31', {
        by: 'unit',
        unitIds: [gy, wa],
      });
      const full = golden(byUnit.get(gy)).sort((a, b) => a[0] - b[0]);
      assert.deepEqual(full, [
        [10, 1],
        [20, 1],
        [30, 1],
        [40, 1],
      ]);
      assert.equal(histogramMedian(full), 20);
      assert.deepEqual(
        golden(byUnit.get(wa)).sort((a, b) => a[0] - b[0]),
        [
          [10, 1],
          [20, 1],
          [30, 1],
        ],
      );
      // Odd count, by month: May has 30 and 40 → lower median 30; March 10; April 20.
      const months = await repo.sums(admin, '2025-03-01', '2025-05-31', {
        by: 'period',
        interval: 'month',
      });
      assert.deepEqual(golden(months.get('2025-03-01')), [[10, 1]]);
      assert.deepEqual(golden(months.get('2025-04-01')), [[20, 1]]);
      assert.deepEqual(golden(months.get('2025-05-01')), [[30, 2]]);
    });

    it('groups by fraud type (never the all-types row) and by Monday-started week', async () => {
      const byType = await repo.sums(admin, '2025-05-01', '2025-05-31', { by: 'fraudType' });
      assert.ok(!byType.has('*'));
      assert.equal(counts(byType.get('romance'))['case:reported'], 1);
      const weeks = await repo.sums(admin, '2025-03-24', '2025-04-06', {
        by: 'period',
        interval: 'week',
      });
      // 31 March 2025 is a Monday: both boundary cases fall in its week, none in the week before.
      assert.deepEqual([...weeks.keys()], ['2025-03-31']);
      assert.equal(counts(weeks.get('2025-03-31'))['case:registered'], 1);
      assert.equal(counts(weeks.get('2025-03-31'))['case:solved'], 1);
    });

    it('is one statement per call', async () => {
      for (const grouping of [
        { by: 'total' },
        { by: 'period', interval: 'day' },
        { by: 'unit', unitIds: [gy] },
      ] as Grouping[]) {
        const seen = await captureSql(db.ds, () =>
          repo.sums(admin, '2025-03-15', '2025-05-20', grouping),
        );
        assert.equal(seen.length, 1);
      }
    });
  });

  it('scopeRoot: nil for an admin, the top of the subtree otherwise', () => {
    assert.equal(StatsRepository.scopeRoot(admin), ALL);
    assert.equal(StatsRepository.scopeRoot(wu), wu.scopePath?.split('/').filter(Boolean).pop());
  });

  it('fraudTypes: every type, by code, with its Chinese label', async () => {
    const types = await repo.fraudTypes();
    assert.ok(types.length > 0);
    assert.deepEqual(
      types.map((t) => t.code),
      [...types.map((t) => t.code)].sort(),
    );
    assert.ok(types.some((t) => t.code === 'romance' && t.label_zh.length > 0));
  });

  it('children: top-level units for null, a unit’s children by code, none for a leaf', async () => {
    assert.deepEqual(
      (await repo.children(null)).map((u) => u.code),
      ['CCB-GZ', 'GY', 'ICBC-GY'],
    );
    const yy = await db.unitId('GY-YY');
    assert.deepEqual(
      (await repo.children(yy)).map((u) => u.code),
      ['GY-YY-QL', 'GY-YY-WA'],
    );
    assert.deepEqual(await repo.children(wa), []);
  });

  it('unit: the row by id, null for an unknown id', async () => {
    const u = await repo.unit(wa);
    assert.equal(u?.code, 'GY-YY-WA');
    assert.ok(u?.path.endsWith(`/${wa}/`));
    assert.equal(await repo.unit('6f1c1a52-8f0e-4c4e-9d5a-1b2c3d4e5f60'), null);
  });
});
