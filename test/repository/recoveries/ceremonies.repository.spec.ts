import { describe, it, beforeAll, afterAll } from '@jest/globals';
import assert from 'node:assert/strict';
import { CeremoniesRepository } from '../../../src/recoveries/ceremonies/ceremonies.repository.js';
import { Ceremony } from '../../../src/recoveries/ceremonies/entities/ceremony.entity.js';
import { Allocation } from '../../../src/recoveries/recoveries/entities/allocation.entity.js';
import { openRepoDb, type RepoDb } from '../repo-db.js';
import { actorOf } from '../identity/factories.js';
import { makeCaseWithVictim, makeCeremony, makeOrder, makeRecovery } from './factories.js';

describe('CeremoniesRepository', () => {
  let db: RepoDb;
  let repo: CeremoniesRepository;
  let wa: string;
  let icbc: string;
  beforeAll(async () => {
    db = await openRepoDb([Allocation, Ceremony]);
    repo = new CeremoniesRepository(db.ds);
    [wa, icbc] = await Promise.all([db.unitId('GY-YY-WA'), db.unitId('ICBC-GY')]);
  });
  afterAll(() => db.close());

  const as = async (username: string) => actorOf(db.admin, await db.userId(username));

  /** Confirmed allocations of `amounts` to fresh victims of one fresh case each. */
  async function allocations(amounts: number[]): Promise<{ ids: string[]; caseNos: string[] }> {
    const ids: string[] = [];
    const caseNos: string[] = [];
    for (const amount of amounts) {
      const c = await makeCaseWithVictim(db.admin, wa, amount);
      const orderId = await makeOrder(db.admin, {
        caseId: c.caseId,
        identifierId: c.accountId,
        unitId: wa,
        bankUnitId: icbc,
      });
      const recoveryId = await makeRecovery(db.admin, {
        orderId,
        caseId: c.caseId,
        unitId: wa,
        amountFen: amount,
      });
      const [{ id: proposalId }] = (await db.admin.query(
        `INSERT INTO allocation_proposals (recovery_id, method, parts, total_fen, proposed_at, status, confirmed_at)
         VALUES ($1, 'single_victim', '[]', $2, now(), 'confirmed', now()) RETURNING id`,
        [recoveryId, amount],
      )) as { id: string }[];
      const [{ id }] = (await db.admin.query(
        `INSERT INTO allocations (recovery_id, proposal_id, victim_id, case_id, unit_id, method, amount_fen, confirmed_at)
         VALUES ($1, $2, $3, $4, $5, 'single_victim', $6, now()) RETURNING id`,
        [recoveryId, proposalId, c.victimId, c.caseId, wa, amount],
      )) as { id: string }[];
      ids.push(id);
      caseNos.push(c.caseNo);
    }
    return { ids, caseNos };
  }

  it('inserts a ceremony and shows it (with the host’s name) in the host’s scope only', async () => {
    const id = await db.ds.transaction((em) =>
      repo.insert(em, {
        title: '第一次发还仪式',
        heldOn: '2026-12-05',
        venue: '云岩分局礼堂',
        hostUnitId: wa,
        createdBy: null,
      }),
    );
    const row = await repo.view(await as('li.officer'), id);
    assert.equal(row?.held_on, '2026-12-05');
    assert.equal(row?.host_unit_name, '云岩分局网安大队');
    assert.equal(await repo.view(await as('wang.officer'), id), null);
    const admin = await as('admin');
    const locked = await db.ds.transaction((em) => repo.view(admin, id, em, true));
    assert.equal(locked?.id, id);
  });

  it('lists ceremonies newest first in cursor pages', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await makeCeremony(db.admin, wa));
    const officer = await as('li.officer');
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.list(officer, { limit: 2, cursor });
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(
      seen.filter((id) => ids.includes(id)),
      [...ids].reverse(),
    );
    assert.deepEqual((await repo.list(await as('wang.officer'), {})).items, []);
  });

  it('attaches only unattached allocations in scope, and signs each once', async () => {
    const ceremony = await makeCeremony(db.admin, wa);
    const other = await makeCeremony(db.admin, wa);
    const { ids } = await allocations([1000, 2000]);
    await db.ds.transaction(async (em) => {
      assert.deepEqual(await repo.lockAllocations(em, await as('wang.officer'), ids), []);
      const locked = await repo.lockAllocations(em, await as('li.officer'), ids);
      assert.equal(locked.length, 2);
      assert.equal(await repo.attach(em, ceremony, ids), 2);
      assert.equal(await repo.attach(em, other, ids), 0, 'already at a ceremony');
      assert.equal(await repo.attach(em, other, []), 0);
    });
    await db.ds.transaction(async (em) => {
      assert.equal(await repo.lockAttached(em, other, ids[0]), null);
      const a = await repo.lockAttached(em, ceremony, ids[0]);
      assert.equal(a?.id, ids[0]);
      await repo.markSigned(em, ids[0], new Date('2026-12-05T03:00:00Z'), null);
      await repo.markSigned(em, ids[0], new Date('2026-12-06T03:00:00Z'), null);
    });
    const [{ signed_at }] = (await db.admin.query(
      'SELECT signed_at FROM allocations WHERE id = $1',
      [ids[0]],
    )) as { signed_at: Date }[];
    assert.equal(signed_at.toISOString(), '2026-12-05T03:00:00.000Z', 'the first signature stays');
  });

  it('shows a ceremony’s allocations by case number, and totals by fraud type', async () => {
    const ceremony = await makeCeremony(db.admin, wa);
    const { ids, caseNos } = await allocations([1500, 2500, 1000]);
    await db.ds.transaction((em) => repo.attach(em, ceremony, ids));
    const rows = await repo.allocations(ceremony);
    assert.deepEqual(
      rows.map((r) => r.case_no),
      [...caseNos].sort(),
    );
    const byType = await repo.byFraudType(ceremony);
    assert.equal(byType.length, 1, 'the factory files every case under one fraud type');
    assert.equal(byType[0].amount_fen, '5000');
    assert.equal(byType[0].victims, 3);
    assert.equal(byType[0].cases, 3);
    const empty = await makeCeremony(db.admin, wa);
    assert.deepEqual(await repo.allocations(empty), []);
    assert.deepEqual(await repo.byFraudType(empty), []);
  });
});
