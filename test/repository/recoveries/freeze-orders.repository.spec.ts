import { describe, it, beforeAll, afterAll } from '@jest/globals';
import assert from 'node:assert/strict';
import { FreezeOrderEvent } from '../../../src/recoveries/freeze-orders/entities/freeze-order-event.entity.js';
import { FreezeOrder } from '../../../src/recoveries/freeze-orders/entities/freeze-order.entity.js';
import { FreezeOrdersRepository } from '../../../src/recoveries/freeze-orders/freeze-orders.repository.js';
import { explain, openRepoDb, planSummary, type RepoDb } from '../repo-db.js';
import { actorOf, makeUnit } from '../identity/factories.js';
import { captureSql } from './capture-sql.js';
import { makeAccount, makeCase, makeCaseWithVictim, makeOrder } from './factories.js';

describe('FreezeOrdersRepository', () => {
  let db: RepoDb;
  let repo: FreezeOrdersRepository;
  let wa: string;
  let icbc: string;
  let ccb: string;
  let officerId: string;
  beforeAll(async () => {
    db = await openRepoDb([FreezeOrder, FreezeOrderEvent]);
    repo = new FreezeOrdersRepository(db.ds);
    [wa, icbc, ccb, officerId] = await Promise.all([
      db.unitId('GY-YY-WA'),
      db.unitId('ICBC-GY'),
      db.unitId('CCB-GZ'),
      db.userId('li.officer'),
    ]);
  });
  afterAll(() => db.close());

  const newOrder = (caseId: string, identifierId: string, kind: 'stop_payment' | 'freeze') => ({
    kind,
    status: 'requested' as const,
    caseId,
    identifierId,
    unitId: wa,
    bankUnitId: icbc,
    officerId,
    majorCase: false,
    requestedFen: '300000',
    frozenFen: null,
    note: '请协助',
    caseReportedAt: new Date('2026-10-01T02:00:00Z'),
    requestedAt: new Date('2026-10-01T03:00:00Z'),
    answeredAt: null,
    expiresAt: null,
    remindAt: null,
    convertedFromId: null,
  });

  it('inserts an order and its events, and shows them with case number, account and bank', async () => {
    const c = await makeCaseWithVictim(db.admin, wa);
    const id = await db.ds.transaction(async (em) => {
      const orderId = await repo.insert(em, newOrder(c.caseId, c.accountId, 'stop_payment'));
      await repo.insertEvent(em, {
        orderId,
        action: 'request',
        from: null,
        to: 'requested',
        actor: await actorOf(db.admin, officerId),
        at: new Date('2026-10-01T03:00:00Z'),
        details: { requestedFen: 300000 },
      });
      await repo.insertEvent(em, {
        orderId,
        action: 'remind',
        from: 'requested',
        to: 'requested',
        actor: null,
        at: new Date('2026-10-01T04:00:00Z'),
      });
      return orderId;
    });
    const officer = await actorOf(db.admin, officerId);
    const view = await repo.view(officer, id);
    assert.equal(view?.case_no, c.caseNo);
    assert.equal(view?.bank_name, '中国工商银行贵阳分行');
    assert.equal(view?.requested_fen, '300000');
    assert.equal(view?.converted_to_id, null);
    const events = await repo.events(id);
    assert.deepEqual(
      events.map((e) => [e.action, e.actorKind, e.actorId]),
      [
        ['request', 'user', officerId],
        ['remind', 'system', null],
      ],
    );
    assert.deepEqual(events[0].details, { requestedFen: 300000 });
    assert.deepEqual(await repo.events('00000000-0000-4000-8000-000000000000'), []);
  });

  it('shows an order to the bank asked and the owning subtree, to no one else', async () => {
    const c = await makeCaseWithVictim(db.admin, wa);
    const id = await makeOrder(db.admin, {
      caseId: c.caseId,
      identifierId: c.accountId,
      unitId: wa,
      bankUnitId: icbc,
    });
    const see = async (username: string) =>
      (await repo.view(await actorOf(db.admin, await db.userId(username)), id))?.id ?? null;
    assert.equal(await see('liu.icbc'), id, 'the liaison of a branch of the bank asked');
    assert.equal(await see('wu.supervisor'), id);
    assert.equal(await see('admin'), id);
    assert.equal(await see('zhao.ccb'), null, 'another bank');
    assert.equal(await see('wang.officer'), null, 'another police subtree');
  });

  it('serializes requests on one account with the advisory lock, not on other accounts', async () => {
    const c = await makeCaseWithVictim(db.admin, wa);
    const other = await makeAccount(db.admin, c.caseId);
    const holder = db.ds.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await repo.lockAccount(holder.manager, c.accountId);
      const free = await db.ds.transaction(async (em) => {
        await repo.lockAccount(em, other);
        return 'free';
      });
      assert.equal(free, 'free');
      let waited = false;
      const blocked = db.ds
        .transaction(async (em) => {
          await repo.lockAccount(em, c.accountId);
        })
        .then(() => waited);
      await new Promise((r) => setTimeout(r, 300));
      waited = true;
      await holder.commitTransaction();
      assert.equal(await blocked, true, 'the second lock waited for the first transaction');
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });

  it('counts stop-payments on an account, rejected ones aside (the repeat limit)', async () => {
    const c = await makeCaseWithVictim(db.admin, wa);
    const count = () => db.ds.transaction((em) => repo.countStopPayments(em, c.accountId));
    assert.equal(await count(), 0);
    const base = { caseId: c.caseId, identifierId: c.accountId, unitId: wa, bankUnitId: icbc };
    await makeOrder(db.admin, { ...base, kind: 'stop_payment', status: 'expired' });
    await makeOrder(db.admin, { ...base, kind: 'stop_payment', status: 'rejected' });
    await makeOrder(db.admin, { ...base, kind: 'freeze', status: 'released' });
    assert.equal(await count(), 1);
    await makeOrder(db.admin, { ...base, kind: 'stop_payment', status: 'converted' });
    assert.equal(await count(), 2);
  });

  it('finds the live order of a kind on an account, none once it ended', async () => {
    const c = await makeCaseWithVictim(db.admin, wa);
    const live = (kind: 'stop_payment' | 'freeze') =>
      db.ds.transaction((em) => repo.liveOrderOf(em, c.accountId, kind));
    assert.equal(await live('freeze'), null);
    const base = { caseId: c.caseId, identifierId: c.accountId, unitId: wa, bankUnitId: icbc };
    await makeOrder(db.admin, { ...base, status: 'expired' });
    assert.equal(await live('freeze'), null);
    const id = await makeOrder(db.admin, { ...base, status: 'partially_frozen', frozenFen: 10 });
    assert.equal(await live('freeze'), id);
    assert.equal(await live('stop_payment'), null);
    // The unique partial index refuses a second live order of the kind.
    await assert.rejects(
      db.ds.transaction((em) => repo.insert(em, newOrder(c.caseId, c.accountId, 'freeze'))),
      /freeze_orders_one_live_idx/,
    );
  });

  it('locks an order (scoped or not), updates it, and bumps its expiry generation', async () => {
    const c = await makeCaseWithVictim(db.admin, wa);
    const id = await makeOrder(db.admin, {
      caseId: c.caseId,
      identifierId: c.accountId,
      unitId: wa,
      bankUnitId: icbc,
    });
    const ccbLiaison = await actorOf(db.admin, await db.userId('zhao.ccb'));
    const icbcLiaison = await actorOf(db.admin, await db.userId('liu.icbc'));
    await db.ds.transaction(async (em) => {
      assert.equal(await repo.lockScoped(em, ccbLiaison, id), null);
      assert.equal((await repo.lockScoped(em, icbcLiaison, id))?.id, id);
      const order = await repo.lock(em, id);
      assert.equal(order?.expiryGen, 0);
      await repo.update(em, id, { remindedAt: new Date('2026-11-01T00:00:00Z'), renewals: 1 });
      const gen = await repo.bumpGeneration(em, id);
      assert.equal(gen?.expiry_gen, 1);
      assert.equal(gen?.status, 'frozen');
      assert.equal(new Date(gen!.reminded_at!).toISOString(), '2026-11-01T00:00:00.000Z');
    });
    assert.equal((await db.ds.transaction((em) => repo.lock(em, id)))?.renewals, 1);
    assert.equal(
      await db.ds.transaction((em) =>
        repo.bumpGeneration(em, '00000000-0000-4000-8000-000000000000'),
      ),
      null,
    );
    assert.equal(
      await db.ds.transaction((em) => repo.lock(em, '00000000-0000-4000-8000-000000000000')),
      null,
    );
  });

  it('gives the texts’ facts: reminder info, notice info with the bank’s answer', async () => {
    const c = await makeCase(db.admin, { unitId: wa, officerId });
    const account = await makeAccount(db.admin, c.id);
    const id = await makeOrder(db.admin, {
      caseId: c.id,
      identifierId: account,
      unitId: wa,
      bankUnitId: ccb,
      frozenFen: 123456,
    });
    const r = await db.ds.transaction((em) => repo.reminderInfo(em, id));
    assert.equal(r?.case_no, c.caseNo);
    assert.equal(r?.bank_name, '中国建设银行贵州省分行');
    assert.equal(r?.case_officer_id, officerId);
    assert.equal(r?.frozen_fen, '123456');
    let n = await repo.noticeInfo(id);
    assert.equal(n?.answer, null);
    assert.equal(n?.unit_name, '云岩分局网安大队');
    assert.equal(n?.requested_fen, '1000000');
    await db.admin.query(
      `INSERT INTO freeze_order_events (order_id, action, from_status, to_status, actor_kind, occurred_at)
       VALUES ($1, 'answer', 'requested', 'partially_frozen', 'user', now())`,
      [id],
    );
    n = await repo.noticeInfo(id);
    assert.equal(n?.answer, 'partially_frozen');
    assert.equal(await repo.noticeInfo('00000000-0000-4000-8000-000000000000'), null);
  });

  it('lists orders newest first in cursor pages, filtered by status, kind and case', async () => {
    const c = await makeCaseWithVictim(db.admin, wa);
    const accounts = [c.accountId];
    for (let i = 0; i < 4; i++) accounts.push(await makeAccount(db.admin, c.caseId));
    // Five orders in one millisecond apart from the id: the cursor's tie-break must hold.
    const at = new Date('2026-10-05T00:00:00.123Z');
    const ids: string[] = [];
    for (const a of accounts)
      ids.push(
        await makeOrder(db.admin, {
          caseId: c.caseId,
          identifierId: a,
          unitId: wa,
          bankUnitId: icbc,
          status: 'released',
          createdAt: at,
        }),
      );
    const officer = await actorOf(db.admin, officerId);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.list(officer, { caseId: c.caseId, limit: 2, cursor });
      seen.push(...page.items.map((o) => o.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, [...ids].sort().reverse());
    assert.deepEqual((await repo.list(officer, { caseId: c.caseId, status: 'frozen' })).items, []);
    assert.equal(
      (await repo.list(officer, { caseId: c.caseId, kind: 'freeze', status: 'released' })).items
        .length,
      5,
    );
    await assert.rejects(repo.list(officer, { cursor: 'bm90LWEtY3Vyc29y' }), /cursor/);
  });

  it('gives the live orders to schedule: all, or only those due by a time', async () => {
    const c = await makeCaseWithVictim(db.admin, wa);
    const base = { caseId: c.caseId, unitId: wa, bankUnitId: icbc };
    const acct = () => makeAccount(db.admin, c.caseId);
    const due = await makeOrder(db.admin, {
      ...base,
      identifierId: await acct(),
      expiresAt: new Date('2026-01-01T00:00:00Z'),
    });
    const remind = await makeOrder(db.admin, {
      ...base,
      identifierId: await acct(),
      expiresAt: new Date('2099-01-01T00:00:00Z'),
      remindAt: new Date('2026-01-01T00:00:00Z'),
    });
    const reminded = await makeOrder(db.admin, {
      ...base,
      identifierId: await acct(),
      expiresAt: new Date('2099-01-02T00:00:00Z'),
      remindAt: new Date('2026-01-01T00:00:00Z'),
      remindedAt: new Date('2026-01-01T00:00:00Z'),
    });
    await makeOrder(db.admin, { ...base, identifierId: await acct(), status: 'expired' });
    const dueBy = await repo.liveOrderIds(new Date('2026-06-01T00:00:00Z'));
    assert.ok(dueBy.includes(due) && dueBy.includes(remind));
    assert.ok(!dueBy.includes(reminded));
    const all = await repo.liveOrderIds(null);
    assert.ok([due, remind, reminded].every((id) => all.includes(id)));
    assert.deepEqual(await repo.liveOrderIds(new Date('2000-01-01T00:00:00Z')), []);
  });

  describe('plans of the hot statements (many orders, few live)', () => {
    beforeAll(async () => {
      // 20,000 ended orders over 20 banks, each on its own account, and a handful of live ones. (With
      // 4,000 the planner's choice between a bank's index and a scan of the whole table was close
      // enough to flip between runs on the estimate of the scope's units.)
      const c = await makeCase(db.admin, { unitId: wa });
      const banks: string[] = [];
      for (let i = 0; i < 20; i++) banks.push((await makeUnit(db.admin, { kind: 'bank' })).id);
      // Triggers off for the load: 20,000 orders on one case would make the statistics rollups'
      // row triggers (the case's first order, per row) the slow part; the plans read orders only.
      await db.admin.transaction(async (em) => {
        await em.query('SET LOCAL session_replication_role = replica');
        await em.query(
          `WITH accts AS (
           INSERT INTO identifiers (kind, value)
           SELECT 'bank_card', '6299' || lpad(g::text, 15, '0') FROM generate_series(1, 20000) g
           RETURNING id),
         a AS (SELECT id, row_number() OVER () AS n FROM accts)
         INSERT INTO freeze_orders (kind, status, case_id, identifier_id, unit_id, bank_unit_id,
           requested_fen, frozen_fen, case_reported_at, requested_at, answered_at, expires_at, created_at)
         SELECT 'freeze', CASE WHEN a.n % 500 = 0 THEN 'frozen' ELSE 'released' END, $1, a.id, $2,
                ($3::uuid[])[1 + a.n % 20], 1000, 1000, now(), now(), now(),
                now() + make_interval(hours => a.n::int), now() - make_interval(mins => a.n::int)
         FROM a`,
          [c.id, wa, banks],
        );
      });
      await db.admin.query(
        'ANALYZE freeze_orders; ANALYZE units; ANALYZE identifiers; ANALYZE cases',
      );
    });

    it('the expiry scan reads the partial index of live orders', async () => {
      const [stmt] = await captureSql(db.ds, () => repo.liveOrderIds(new Date()));
      const plan = planSummary(await explain(db.ds, stmt.sql, stmt.params));
      assert.deepEqual(plan.seqScans, []);
      assert.ok(plan.indexes.includes('freeze_orders_live_expiry_idx'), JSON.stringify(plan));
    });

    it('the bank inbox (a liaison’s first page) reads the bank index, scanning no order table', async () => {
      const liaison = await actorOf(db.admin, await db.userId('liu.icbc'));
      const stmts = await captureSql(db.ds, () => repo.list(liaison, {}));
      const plan = planSummary(await explain(db.ds, stmts[0].sql, stmts[0].params));
      assert.ok(!plan.seqScans.includes('freeze_orders'), JSON.stringify(plan));
      assert.ok(plan.indexes.includes('freeze_orders_bank_idx'), JSON.stringify(plan));
    });
  });
});
