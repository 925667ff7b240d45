import { describe, it, beforeAll, afterAll } from '@jest/globals';
import assert from 'node:assert/strict';
import { MonthlyReportRepository } from '../../../src/reports/monthly-report/monthly-report.repository.js';
import { actorOf } from '../identity/factories.js';
import { openRepoDb, type RepoDb } from '../repo-db.js';
import { makeCeremonyWith } from './factories.js';

describe('MonthlyReportRepository', () => {
  let db: RepoDb;
  let repo: MonthlyReportRepository;
  let wa: string;
  let hx: string;
  let icbc: string;
  const as = async (username: string) => actorOf(db.admin, await db.userId(username));

  beforeAll(async () => {
    db = await openRepoDb();
    repo = new MonthlyReportRepository(db.ds);
    [wa, hx, icbc] = await Promise.all(
      ['GY-YY-WA', 'GY-NM-HX', 'ICBC-GY'].map((c) => db.unitId(c)),
    );
    // November 2026: WA on the 1st (small) and the 30th (large, one of two signed); HX on the
    // 15th; WA on 1 December (outside) and on 31 October (outside); one with nothing handed back.
    await makeCeremonyWith(db.admin, {
      hostUnitId: wa,
      bankUnitId: icbc,
      heldOn: '2026-11-01',
      title: '月初发还',
      amounts: [1_000],
    });
    await makeCeremonyWith(db.admin, {
      hostUnitId: wa,
      bankUnitId: icbc,
      heldOn: '2026-11-30',
      title: '月末发还',
      amounts: [50_000, 70_000],
      signed: 1,
    });
    await makeCeremonyWith(db.admin, {
      hostUnitId: hx,
      bankUnitId: icbc,
      heldOn: '2026-11-15',
      title: '红星发还',
      amounts: [9_000],
    });
    await makeCeremonyWith(db.admin, {
      hostUnitId: wa,
      bankUnitId: icbc,
      heldOn: '2026-12-01',
      title: '下月发还',
      amounts: [5_000],
    });
    await makeCeremonyWith(db.admin, {
      hostUnitId: wa,
      bankUnitId: icbc,
      heldOn: '2026-10-31',
      title: '上月发还',
      amounts: [5_000],
    });
    await makeCeremonyWith(db.admin, {
      hostUnitId: wa,
      bankUnitId: icbc,
      heldOn: '2026-11-20',
      title: '空仪式',
      amounts: [],
    });
  });
  afterAll(() => db.close());

  it('ceremonies: [from, to) by held day, in scope, largest sum first, with victims and signatures', async () => {
    const city = await repo.ceremonies(await as('admin'), '2026-11-01', '2026-12-01');
    assert.deepEqual(
      city.map((c) => [c.title, c.heldOn, c.victims, c.returnedFen, c.signed]),
      [
        ['月末发还', '2026-11-30', 2, 120_000, 1],
        ['红星发还', '2026-11-15', 1, 9_000, 0],
        ['月初发还', '2026-11-01', 1, 1_000, 0],
        ['空仪式', '2026-11-20', 0, 0, 0],
      ],
    );
    assert.equal(city[0].hostUnitName.length > 0, true);
    assert.equal(city[0].venue, '分局礼堂');
    // wu.supervisor's GY-YY holds WA, not HX.
    const yy = await repo.ceremonies(await as('wu.supervisor'), '2026-11-01', '2026-12-01');
    assert.deepEqual(
      yy.map((c) => c.title),
      ['月末发还', '月初发还', '空仪式'],
    );
  });

  it('ceremonies: none for an empty range or a scope without any', async () => {
    assert.deepEqual(await repo.ceremonies(await as('admin'), '2026-11-01', '2026-11-01'), []);
    assert.deepEqual(await repo.ceremonies(await as('admin'), '2025-01-01', '2025-02-01'), []);
    assert.deepEqual(
      await repo.ceremonies(await as('zhang.supervisor'), '2026-11-01', '2026-12-01'),
      [],
    );
  });

  it('unitName: the unit’s name, empty for an unknown id', async () => {
    const [{ name }] = (await db.admin.query('SELECT name FROM units WHERE id = $1', [wa])) as {
      name: string;
    }[];
    assert.equal(await repo.unitName(wa), name);
    assert.equal(await repo.unitName('6f1c1a52-8f0e-4c4e-9d5a-1b2c3d4e5f60'), '');
  });

  it('fraudTypes: the asked codes only, with label and typical script; none for none', async () => {
    const types = await repo.fraudTypes(['romance', 'no-such-type']);
    assert.equal(types.length, 1);
    assert.equal(types[0].code, 'romance');
    assert.ok(types[0].zh.length > 0);
    assert.equal(typeof types[0].typicalScript, 'string');
    assert.deepEqual(await repo.fraudTypes([]), []);
  });
});
