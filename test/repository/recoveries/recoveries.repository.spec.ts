import { describe, it, beforeAll, afterAll } from '@jest/globals';
import assert from 'node:assert/strict';
import { allocate } from '../../../src/recoveries/recoveries/allocator.js';
import { Recovery } from '../../../src/recoveries/recoveries/entities/recovery.entity.js';
import {
  RecoveriesRepository,
  type StoredPart,
} from '../../../src/recoveries/recoveries/recoveries.repository.js';
import { explain, openRepoDb, planSummary, type RepoDb } from '../repo-db.js';
import { actorOf } from '../identity/factories.js';
import { captureSql } from './capture-sql.js';
import {
  makeAccount,
  makeCase,
  makeCaseWithVictim,
  makeCeremony,
  makeOrder,
  makeRecovery,
  makeVictim,
} from './factories.js';

describe('RecoveriesRepository', () => {
  let db: RepoDb;
  let repo: RecoveriesRepository;
  let wa: string;
  let hx: string;
  let icbc: string;
  beforeAll(async () => {
    db = await openRepoDb([Recovery]);
    repo = new RecoveriesRepository(db.ds);
    [wa, hx, icbc] = await Promise.all([
      db.unitId('GY-YY-WA'),
      db.unitId('GY-NM-HX'),
      db.unitId('ICBC-GY'),
    ]);
  });
  afterAll(() => db.close());

  const as = async (username: string) => actorOf(db.admin, await db.userId(username));

  /** A frozen order of `unitId` on a fresh case with one victim, and a recovery from it. */
  async function frozenWithRecovery(unitId: string, amountFen = 100_000, lossFen = 500_000) {
    const c = await makeCaseWithVictim(db.admin, unitId, lossFen);
    const orderId = await makeOrder(db.admin, {
      caseId: c.caseId,
      identifierId: c.accountId,
      unitId,
      bankUnitId: icbc,
    });
    const recoveryId = await makeRecovery(db.admin, {
      orderId,
      caseId: c.caseId,
      unitId,
      amountFen,
    });
    return { ...c, orderId, recoveryId };
  }

  async function confirmAll(recoveryId: string, unitId: string, parts: StoredPart[]) {
    await db.ds.transaction(async (em) => {
      const p = await repo.insertProposal(em, {
        recoveryId,
        method: 'traced_transfer',
        parts,
        totalFen: parts.reduce((s, x) => s + x.amountFen, 0),
        proposedAt: new Date(),
        noticeEndsAt: null,
        proposedBy: null,
      });
      await repo.confirmProposal(em, p.id, new Date());
      await repo.insertAllocations(
        em,
        { recoveryId, proposalId: p.id, unitId, method: 'traced_transfer', at: new Date() },
        parts,
      );
    });
  }

  it('inserts a recovery (the order’s recovered sum follows) and shows it in scope only', async () => {
    const c = await makeCaseWithVictim(db.admin, wa);
    const orderId = await makeOrder(db.admin, {
      caseId: c.caseId,
      identifierId: c.accountId,
      unitId: wa,
      bankUnitId: icbc,
    });
    const id = await db.ds.transaction((em) =>
      repo.insert(em, {
        orderId,
        caseId: c.caseId,
        unitId: wa,
        amountFen: 250_000,
        recoveredOn: '2026-11-02',
        legalBasis: '依法扣划',
        custodyAccount: null,
        createdBy: null,
      }),
    );
    const view = await repo.view(await as('li.officer'), id);
    assert.equal(view?.amount_fen, '250000');
    assert.equal(view?.recovered_on, '2026-11-02');
    assert.equal(view?.case_no, c.caseNo);
    assert.equal(await repo.view(await as('wang.officer'), id), null);
    const [{ recovered_fen }] = (await db.admin.query(
      'SELECT recovered_fen FROM freeze_orders WHERE id = $1',
      [orderId],
    )) as { recovered_fen: string }[];
    assert.equal(recovered_fen, '250000');
    // More than the order froze: the CHECK on the order refuses it.
    await assert.rejects(
      db.ds.transaction((em) =>
        repo.insert(em, {
          orderId,
          caseId: c.caseId,
          unitId: wa,
          amountFen: 800_000,
          recoveredOn: '2026-11-02',
          legalBasis: '依法扣划',
          custodyAccount: null,
          createdBy: null,
        }),
      ),
      /check/i,
    );
  });

  it('locks a recovery in the caller’s scope only', async () => {
    const r = await frozenWithRecovery(wa);
    await db.ds.transaction(async (em) => {
      assert.equal(
        (await repo.lockScoped(em, await as('li.officer'), r.recoveryId))?.id,
        r.recoveryId,
      );
      assert.equal(await repo.lockScoped(em, await as('wang.officer'), r.recoveryId), null);
    });
  });

  it('gives the claims on an account: traced, whole loss and what was returned', async () => {
    const c = await makeCase(db.admin, { unitId: wa });
    const acct = await makeAccount(db.admin, c.id);
    const elsewhere = await makeAccount(db.admin, c.id);
    const v1 = await makeVictim(db.admin, c.id, [
      { identifierId: acct, amountFen: 100 },
      { identifierId: acct, amountFen: 50 },
      { identifierId: elsewhere, amountFen: 1000 },
    ]);
    const v2 = await makeVictim(db.admin, c.id, [{ identifierId: elsewhere, amountFen: 7 }]);
    const claims = await db.ds.transaction((em) => repo.claims(em, acct));
    assert.deepEqual(claims, [
      { victim_id: v1, case_id: c.id, traced_fen: '150', loss_fen: '1150', returned_fen: '0' },
    ]);
    assert.ok(!claims.some((x) => x.victim_id === v2));
    const empty = await makeAccount(db.admin, c.id);
    assert.deepEqual(await db.ds.transaction((em) => repo.claims(em, empty)), []);
  });

  it('keeps one open proposal per recovery, supersedes and confirms', async () => {
    const r = await frozenWithRecovery(wa);
    const part = { victimId: r.victimId, caseId: r.caseId, tracedFen: 500_000, capFen: 500_000 };
    const propose = () =>
      db.ds.transaction((em) =>
        repo.insertProposal(em, {
          recoveryId: r.recoveryId,
          method: 'pro_rata',
          parts: [{ ...part, amountFen: 100_000 }],
          totalFen: 100_000,
          proposedAt: new Date('2026-11-03T00:00:00Z'),
          noticeEndsAt: new Date('2026-11-10T00:00:00Z'),
          proposedBy: null,
        }),
      );
    assert.equal(await repo.lastProposal(r.recoveryId), null);
    const first = await propose();
    assert.deepEqual(first.parts, [{ ...part, amountFen: 100_000 }]);
    assert.equal(first.total_fen, '100000');
    await assert.rejects(propose(), /allocation_proposals_open_idx/);
    assert.equal((await repo.lastProposal(r.recoveryId))?.id, first.id);
    await db.ds.transaction((em) => repo.supersede(em, first.id));
    assert.equal(await db.ds.transaction((em) => repo.openProposal(em, r.recoveryId)), null);
    const second = await propose();
    assert.equal(
      (await db.ds.transaction((em) => repo.openProposal(em, r.recoveryId)))?.id,
      second.id,
    );
    await db.ds.transaction((em) => repo.confirmProposal(em, second.id, new Date()));
    assert.equal(await repo.lastProposal(r.recoveryId), null);
  });

  it('inserts allocations that add up to the fen, and refuses one past a victim’s loss', async () => {
    const c = await makeCase(db.admin, { unitId: wa });
    const acct = await makeAccount(db.admin, c.id);
    const victims = [];
    for (let i = 0; i < 3; i++)
      victims.push(await makeVictim(db.admin, c.id, [{ identifierId: acct, amountFen: 100_000 }]));
    const orderId = await makeOrder(db.admin, {
      caseId: c.id,
      identifierId: acct,
      unitId: wa,
      bankUnitId: icbc,
    });
    const recoveryId = await makeRecovery(db.admin, {
      orderId,
      caseId: c.id,
      unitId: wa,
      amountFen: 100_000,
    });
    const plan = allocate(
      100_000,
      victims.map((v) => ({ victimId: v, tracedFen: 100_000, capFen: 100_000 })),
    );
    const parts = plan.parts.map((p) => ({
      ...p,
      caseId: c.id,
      tracedFen: 100_000,
      capFen: 100_000,
    }));
    assert.deepEqual(
      [...parts.map((p) => p.amountFen)].sort(),
      [33333, 33333, 33334],
      'a third each, the remainder fen to one',
    );
    await confirmAll(recoveryId, wa, parts);
    const rows = await repo.allocationsOf(recoveryId);
    assert.equal(rows.length, 3);
    assert.equal(
      rows.reduce((s, a) => s + Number(a.amount_fen), 0),
      100_000,
    );
    assert.deepEqual(
      rows.map((a) => a.victim_id),
      [...victims].sort(),
    );
    const [{ allocated_fen }] = (await db.admin.query(
      'SELECT allocated_fen FROM recoveries WHERE id = $1',
      [recoveryId],
    )) as { allocated_fen: string }[];
    assert.equal(allocated_fen, '100000');
    // A second recovery may not give the first victim more than the rest of their loss.
    const again = await makeRecovery(db.admin, {
      orderId,
      caseId: c.id,
      unitId: wa,
      amountFen: 900_000 - 100_000,
    });
    await assert.rejects(
      confirmAll(again, wa, [{ ...parts[0], amountFen: 100_000 }]),
      /allocations_victim_loss|exceeds/,
    );
    assert.deepEqual(await repo.allocationsOf(again), []);
  });

  it('lists recoveries in pages; by case also another unit’s allocated to the case', async () => {
    const own = await frozenWithRecovery(wa);
    // Another unit (花溪) recovered from an account the 云岩 case's victim also paid into.
    const theirs = await frozenWithRecovery(hx, 100_000);
    await db.admin.query(
      `INSERT INTO victim_transfers (case_id, victim_id, identifier_id, amount_fen, transferred_at, channel)
       VALUES ($1, $2, $3, 40000, now(), 'bank_transfer')`,
      [own.caseId, own.victimId, theirs.accountId],
    );
    await confirmAll(theirs.recoveryId, hx, [
      {
        victimId: own.victimId,
        caseId: own.caseId,
        tracedFen: 40_000,
        capFen: 40_000,
        amountFen: 40_000,
      },
    ]);
    const officer = await as('li.officer');
    const page = await repo.list(officer, { caseId: own.caseId });
    const byId = new Map(page.items.map((r) => [r.id, r]));
    assert.equal(byId.get(own.recoveryId)?.in_scope, true);
    assert.equal(byId.get(theirs.recoveryId)?.in_scope, false);
    assert.equal(byId.get(theirs.recoveryId)?.case_allocated_fen, '40000');
    assert.equal(byId.get(own.recoveryId)?.case_allocated_fen, null);
    assert.deepEqual(
      (await repo.list(officer, { orderId: own.orderId })).items.map((r) => r.id),
      [own.recoveryId],
    );
    assert.deepEqual((await repo.list(await as('wang.officer'), { caseId: own.caseId })).items, []);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const p = await repo.list(officer, { limit: 2, cursor });
      seen.push(...p.items.map((r) => r.id));
      cursor = p.nextCursor ?? undefined;
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length);
    assert.ok(seen.includes(own.recoveryId) && !seen.includes(theirs.recoveryId));
  });

  it('gives a case’s orders, allocations with ceremony, and the recovered sum', async () => {
    const own = await frozenWithRecovery(wa);
    await confirmAll(own.recoveryId, wa, [
      {
        victimId: own.victimId,
        caseId: own.caseId,
        tracedFen: 500_000,
        capFen: 500_000,
        amountFen: 60_000,
      },
    ]);
    const ceremonyId = await makeCeremony(db.admin, wa);
    await db.admin.query('UPDATE allocations SET ceremony_id = $1 WHERE recovery_id = $2', [
      ceremonyId,
      own.recoveryId,
    ]);
    const orders = await repo.caseOrders(own.caseId, [own.accountId]);
    assert.deepEqual(
      orders.map((o) => [o.id, o.bank_name, o.unit_name]),
      [[own.orderId, '中国工商银行贵阳分行', '云岩分局网安大队']],
    );
    assert.deepEqual(await repo.caseOrders('00000000-0000-4000-8000-000000000000', []), []);
    const allocations = await repo.caseAllocations(own.caseId);
    assert.equal(allocations.length, 1);
    assert.equal(allocations[0].ceremony_title, '发还仪式');
    assert.equal(allocations[0].ceremony_held_on, '2026-11-20');
    assert.equal(allocations[0].amount_fen, '60000');
    assert.equal(await repo.recoveredFrom([own.orderId]), '100000');
    assert.equal(await repo.recoveredFrom([]), '0');
  });

  it('totals a unit’s figures, a converted stop-payment counted once', async () => {
    const c = await makeCaseWithVictim(db.admin, hx);
    const base = { caseId: c.caseId, identifierId: c.accountId, unitId: hx, bankUnitId: icbc };
    const sp = await makeOrder(db.admin, {
      ...base,
      kind: 'stop_payment',
      status: 'converted',
      requestedFen: 300_000,
    });
    const fz = await makeOrder(db.admin, { ...base, requestedFen: 300_000, convertedFromId: sp });
    await makeRecovery(db.admin, { orderId: fz, caseId: c.caseId, unitId: hx, amountFen: 120_000 });
    const admin = await as('admin');
    const before = await repo.totals(admin);
    const wang = await as('wang.officer');
    const t = await repo.totals(wang);
    assert.ok(t.orders >= 1);
    const mine = await db.admin.query(
      `SELECT count(*)::int AS n FROM freeze_orders o JOIN units u ON u.id = o.unit_id
       WHERE u.path LIKE (SELECT path FROM units WHERE id = $1) || '%' AND converted_from_id IS NULL`,
      [hx],
    );
    assert.equal(t.orders, (mine as { n: number }[])[0].n);
    assert.ok(BigInt(before.recovered_fen) >= BigInt(t.recovered_fen));
    // A unit with nothing: zeros, not nulls.
    const empty = { ...wang, scopePath: '/no-such-unit/' };
    const z = await repo.totals(empty);
    assert.deepEqual(
      [z.orders, z.requested_fen, z.frozen_fen, z.held_fen, z.recovered_fen, z.avg_to_request],
      [0, '0', '0', '0', '0', null],
    );
  });

  describe('plans of the case-money statements (many allocations)', () => {
    beforeAll(async () => {
      const qr = db.admin.createQueryRunner();
      await qr.connect();
      try {
        // Bulk rows for the planner only: triggers and foreign keys off for this session.
        await qr.query("SET session_replication_role = 'replica'");
        const r = await frozenWithRecovery(wa, 100_000);
        const [{ id: proposalId }] = (await qr.query(
          `INSERT INTO allocation_proposals (recovery_id, method, parts, total_fen, proposed_at)
           VALUES ($1, 'traced_transfer', '[]', 1, now()) RETURNING id`,
          [r.recoveryId],
        )) as { id: string }[];
        await qr.query(
          `INSERT INTO allocations (recovery_id, proposal_id, victim_id, case_id, unit_id, method, amount_fen, confirmed_at)
           SELECT $1, $2, gen_random_uuid(), gen_random_uuid(), $3, 'traced_transfer', 1, now()
           FROM generate_series(1, 5000)`,
          [r.recoveryId, proposalId, wa],
        );
        await qr.query(
          `INSERT INTO freeze_orders (kind, status, case_id, identifier_id, unit_id, bank_unit_id,
             requested_fen, frozen_fen, case_reported_at, requested_at, answered_at, expires_at)
           SELECT 'freeze', 'released', gen_random_uuid(), gen_random_uuid(), $1, $2, 1, 1, now(), now(), now(), now()
           FROM generate_series(1, 5000)`,
          [wa, icbc],
        );
        await qr.query('ANALYZE allocations; ANALYZE freeze_orders; ANALYZE recoveries');
      } finally {
        await qr.query("SET session_replication_role = 'origin'");
        await qr.release();
      }
    });

    it('a case’s orders and allocations are read by index', async () => {
      const own = await frozenWithRecovery(wa);
      const stmts = await captureSql(db.ds, async () => {
        await repo.caseOrders(own.caseId, [own.accountId]);
        await repo.caseAllocations(own.caseId);
      });
      const [orders, allocations] = await Promise.all(
        stmts.map(async (s) => planSummary(await explain(db.ds, s.sql, s.params))),
      );
      assert.ok(!orders.seqScans.includes('freeze_orders'), JSON.stringify(orders));
      assert.ok(
        orders.indexes.includes('freeze_orders_case_requested_idx'),
        JSON.stringify(orders),
      );
      assert.ok(orders.indexes.includes('freeze_orders_identifier_idx'), JSON.stringify(orders));
      assert.ok(orders.indexes.includes('allocations_case_idx'), JSON.stringify(orders));
      assert.ok(!allocations.seqScans.includes('allocations'), JSON.stringify(allocations));
      assert.ok(allocations.indexes.includes('allocations_case_idx'), JSON.stringify(allocations));
    });
  });
});
