import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Clock } from '../../src/common/clock.js';
import { bootApp, TestApp, USERS } from '../harness.js';
import { citizenId } from '../builders.js';

const ID_NANMING = citizenId('52010219850612341');
const ID_YUNYAN = citizenId('52010319900203122');
const CARD = '6222 0212 3456 7811 112';

interface MoneyAllocation {
  id: string;
  amountFen: number;
  status: string;
  recoveryId: string;
  recoveredOn: string;
  orderKind: string;
  bankName: string;
  unitName: string;
  ceremonyTitle: string | null;
  signedAt: string | null;
}

interface Money {
  caseNo: string;
  totals: {
    frozenFen: number;
    recoveredFen: number;
    allocatedFen: number;
    returnedFen: number;
    victimsReturned: number;
  };
  orders: { kind: string; bankName: string; unitName: string; frozenFen: number | null }[];
  victims: {
    victimId: string;
    victimName: string;
    lossFen: number;
    allocatedFen: number;
    returnedFen: number;
    allocations: MoneyAllocation[];
  }[];
}

/**
 * 云岩分局网安大队 (li.officer) freezes an account that a victim of 南明分局花溪大道派出所's case
 * (wang.officer) also paid into, recovers the money and returns it at its ceremony: the station
 * sees on its own case what was frozen, recovered, allocated and returned to its victim.
 */
describe('a case’s money, whichever unit asked the bank', () => {
  let t: TestApp;
  const as = async (user: string, password?: string) => ({
    authorization: `Bearer ${await t.token(user, password)}`,
  });
  let caseB = { id: '', caseNo: '', victimId: '' };
  let caseA = { id: '', caseNo: '', victimId: '' };
  let recoveryId = '';

  async function fileCase(user: string, name: string, idNumber: string, amountFen: number) {
    const res = await t
      .http()
      .post('/api/v1/cases')
      .set(await as(user))
      .send({
        fraudType: 'task_rebate',
        summary: '受害人在兼职群内被诱导刷单返利，向对方提供的银行卡转账。',
        reportedAt: new Date(t.app.get(Clock).nowMs() - 60 * 60_000).toISOString(),
        victims: [{ name, idNumber }],
        identifiers: [
          { kind: 'bank_card', value: CARD, bankName: '中国工商银行', role: 'receiving_account' },
        ],
        transfers: [
          {
            victimIndex: 0,
            identifierIndex: 0,
            amountFen,
            transferredAt: '2026-11-20T14:05:00+08:00',
            channel: 'bank_transfer',
          },
        ],
      });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return {
      id: res.body.id as string,
      caseNo: res.body.caseNo as string,
      victimId: res.body.victims[0].id as string,
      identifierId: res.body.identifiers[0].id as string,
    };
  }

  const money = async (caseId: string, user: string) =>
    t
      .http()
      .get(`/api/v1/cases/${caseId}/money`)
      .set(await as(user));

  beforeAll(async () => {
    t = await bootApp('postgres');
    const [{ id: icbc }] = (await t.db.query("SELECT id FROM units WHERE code = 'ICBC-GY'")) as {
      id: string;
    }[];
    const b = await fileCase(USERS.officerNanming, '张三', ID_NANMING, 300_000);
    const a = await fileCase(USERS.officer, '李四', ID_YUNYAN, 500_000);
    assert.equal(a.identifierId, b.identifierId, 'one account, shared by the two cases');
    caseB = b;
    caseA = a;

    // Everything below is 云岩分局网安大队's: the order, the recovery, the split, the ceremony.
    const officer = await as(USERS.officer);
    const order = await t.http().post('/api/v1/freeze-orders').set(officer).send({
      kind: 'freeze',
      caseId: a.id,
      identifierId: a.identifierId,
      bankUnitId: icbc,
      requestedFen: 800_000,
    });
    assert.equal(order.status, 201, JSON.stringify(order.body));
    await t
      .http()
      .post(`/api/v1/freeze-orders/${order.body.id as string}/response`)
      .set(await as(USERS.icbc))
      .send({ answer: 'frozen' })
      .expect(200);
    const rec = await t.http().post('/api/v1/recoveries').set(officer).send({
      orderId: order.body.id,
      amountFen: 800_000,
      recoveredOn: '2026-12-01',
      legalBasis: '冻结款项依法扣划',
    });
    assert.equal(rec.status, 201, JSON.stringify(rec.body));
    recoveryId = rec.body.id as string;
    const split = await t
      .http()
      .post(`/api/v1/recoveries/${recoveryId}/allocations?confirm=true`)
      .set(officer);
    assert.equal(split.status, 200, JSON.stringify(split.body));
    const allocations = split.body.allocations as { id: string; victimId: string }[];
    assert.equal(allocations.length, 2);
    const cer = await t.http().post('/api/v1/ceremonies').set(officer).send({
      title: '网络安全宣传周追回资金集中发还仪式',
      heldOn: '2027-01-15',
      venue: '云岩分局三楼会议室',
    });
    assert.equal(cer.status, 201, JSON.stringify(cer.body));
    await t
      .http()
      .post(`/api/v1/ceremonies/${cer.body.id as string}/allocations`)
      .set(officer)
      .send({ allocationIds: allocations.map((x) => x.id) })
      .expect(200);
    // 南明's victim signs for her money at 云岩's ceremony; 云岩's own victim has not yet.
    const toB = allocations.find((x) => x.victimId === b.victimId);
    assert.ok(toB);
    await t
      .http()
      .post(`/api/v1/ceremonies/${cer.body.id as string}/allocations/${toB.id}/sign`)
      .set(officer)
      .send({ idNumber: ID_NANMING })
      .expect(200);
  });
  afterAll(() => t.close());

  it('the station’s officer sees on its case what was frozen, recovered, allocated and returned to its victim', async () => {
    const res = await money(caseB.id, USERS.officerNanming);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const m = res.body as Money;
    assert.equal(m.caseNo, caseB.caseNo);
    assert.deepEqual(m.totals, {
      frozenFen: 800_000,
      recoveredFen: 800_000,
      allocatedFen: 300_000,
      returnedFen: 300_000,
      victimsReturned: 1,
    });
    assert.deepEqual(
      m.orders.map((o) => [o.kind, o.bankName, o.unitName, o.frozenFen]),
      [['freeze', '中国工商银行贵阳分行', '云岩分局网安大队', 800_000]],
    );
    assert.equal(m.victims.length, 1);
    const [v] = m.victims;
    assert.deepEqual(
      [v.victimId, v.victimName, v.lossFen, v.allocatedFen, v.returnedFen],
      [caseB.victimId, '张*', 300_000, 300_000, 300_000],
    );
    assert.equal(v.allocations.length, 1);
    const [a] = v.allocations;
    assert.equal(a.amountFen, 300_000);
    assert.equal(a.status, 'returned');
    assert.equal(a.recoveryId, recoveryId);
    assert.equal(a.recoveredOn, '2026-12-01');
    assert.equal(a.orderKind, 'freeze');
    assert.equal(a.bankName, '中国工商银行贵阳分行');
    assert.equal(a.unitName, '云岩分局网安大队');
    assert.equal(a.ceremonyTitle, '网络安全宣传周追回资金集中发还仪式');
    assert.ok(a.signedAt);
    // Nothing of the other unit's case or victim.
    const text = JSON.stringify(m);
    for (const other of [caseA.id, caseA.caseNo, caseA.victimId, '李'])
      assert.ok(!text.includes(other), `leaks ${other}`);
  });

  it('GET /recoveries?caseId= lists the other unit’s recovery with what went to the case, and nothing more', async () => {
    const res = await t
      .http()
      .get(`/api/v1/recoveries?caseId=${caseB.id}`)
      .set(await as(USERS.officerNanming));
    assert.equal(res.status, 200);
    const items = res.body.items as {
      id: string;
      amountFen: number;
      inScope: boolean;
      caseAllocatedFen: number;
    }[];
    assert.deepEqual(
      items.map((r) => [r.id, r.amountFen, r.inScope, r.caseAllocatedFen]),
      [[recoveryId, 800_000, false, 300_000]],
    );
    assert.ok(!JSON.stringify(res.body).includes(caseA.victimId));
    // The unit that ran it sees no more of the station's case than before.
    const own = await t
      .http()
      .get(`/api/v1/recoveries?caseId=${caseB.id}`)
      .set(await as(USERS.officer));
    assert.deepEqual(own.body.items, []);
  });

  it('the unit that ran the order sees on its own case only its own victim', async () => {
    const res = await money(caseA.id, USERS.officer);
    assert.equal(res.status, 200);
    const m = res.body as Money;
    assert.deepEqual(
      m.victims.map((v) => [v.victimName, v.allocatedFen, v.returnedFen, v.allocations[0].status]),
      [['李*', 500_000, 0, 'at_ceremony']],
    );
    assert.deepEqual(
      [m.totals.allocatedFen, m.totals.returnedFen, m.totals.victimsReturned],
      [500_000, 0, 0],
    );
    assert.ok(!JSON.stringify(m).includes(caseB.victimId));
  });

  it('officers of other units get 404 for the station’s case; a bank liaison and community police are refused', async () => {
    const admin = await as(USERS.admin);
    const [{ id: qianling }] = (await t.db.query(
      "SELECT id FROM units WHERE code = 'GY-YY-QL'",
    )) as { id: string }[];
    const created = await t.http().post('/api/v1/users').set(admin).send({
      username: 'zhou.officer',
      displayName: '周军',
      password: 'third-unit-password-1',
      role: 'officer',
      unitId: qianling,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const third = await t
      .http()
      .get(`/api/v1/cases/${caseB.id}/money`)
      .set(await as('zhou.officer', 'third-unit-password-1'));
    assert.equal(third.status, 404);
    assert.equal(third.body.statusCode, 404);
    // Neither the unit that ran the order nor a supervisor above it sees the station's case.
    assert.equal((await money(caseB.id, USERS.officer)).status, 404);
    assert.equal((await money(caseB.id, USERS.supervisorYunyan)).status, 404);
    assert.equal((await money(caseB.id, USERS.icbc)).status, 403);
    assert.equal((await money(caseB.id, USERS.community)).status, 403);
    assert.equal((await money('00000000-0000-4000-8000-000000000000', USERS.officer)).status, 404);
    assert.equal((await money('not-a-uuid', USERS.officer)).status, 400);
  });
});
