import { describe, it, beforeAll, afterAll } from '@jest/globals';
import assert from 'node:assert/strict';
import { TrendRepository } from '../../../src/alerts/trend/trend.repository.js';
import { openRepoDb, RepoDb } from '../repo-db.js';
import { FRAUD_TYPE, makeCase, makeWarning } from './factories.js';

describe('TrendRepository on PostgreSQL', () => {
  let db: RepoDb;
  let repo: TrendRepository;
  let station: string;
  let community: string;
  let other: string;
  // Far from the demo cases' dates, so only this file's cases count.
  const now = new Date('2031-06-15T12:00:00Z');

  beforeAll(async () => {
    db = await openRepoDb();
    repo = new TrendRepository(db.ds);
    station = await db.unitId('GY-YY-QL');
    community = await db.unitId('GY-YY-QL-DS');
    other = await db.unitId('GY-NM-HX');
  });
  afterAll(() => db.close());

  it('counts: per station (its whole subtree) and type, this week and each week before', async () => {
    await makeCase(db.admin, community, now, 1); // this week, under the station
    await makeCase(db.admin, station, now, 6.9); // this week, the station itself
    await makeCase(db.admin, community, now, 8); // week 1 before
    await makeCase(db.admin, community, now, 20); // week 2 before
    await makeCase(db.admin, community, now, 7 * 5 + 1); // beyond 4 weeks of history
    await makeCase(db.admin, community, now, -1); // after now
    const counts = await repo.counts(now, 4);
    const mine = counts.find((c) => c.stationId === station && c.fraudType === FRAUD_TYPE);
    assert.deepEqual(mine, {
      stationId: station,
      fraudType: FRAUD_TYPE,
      recent: 2,
      history: [1, 1, 0, 0],
    });
    assert.equal(
      counts.some((c) => c.stationId === other),
      false,
    );
    assert.deepEqual(await repo.counts(new Date('2001-01-01T00:00:00Z'), 4), []);
  });

  it('insertSpike once per (station, type, ISO week); spikeSince; setSpikeWarning', async () => {
    const spike = {
      stationId: station,
      fraudType: FRAUD_TYPE,
      isoWeek: '2031-W24',
      recent: 9,
      historyTotal: 4,
      historyWeeks: 4,
      detectedAt: now,
    };
    const id = await db.ds.transaction((em) => repo.insertSpike(em, spike));
    assert.ok(id);
    assert.equal(await db.ds.transaction((em) => repo.insertSpike(em, spike)), null);
    const since = (d: Date) =>
      db.ds.transaction((em) => repo.spikeSince(em, station, FRAUD_TYPE, d));
    assert.equal(await since(new Date(now.getTime() - 1000)), true);
    assert.equal(await since(now), false);
    assert.equal(
      await db.ds.transaction((em) => repo.spikeSince(em, other, FRAUD_TYPE, new Date(0))),
      false,
    );
    const w = await makeWarning(db.admin, { unitId: station, targets: [station] });
    await db.ds.transaction((em) => repo.setSpikeWarning(em, id, w));
    const [row] = (await db.admin.query('SELECT warning_id FROM trend_spikes WHERE id = $1', [
      id,
    ])) as { warning_id: string }[];
    assert.equal(row.warning_id, w);
  });
});
