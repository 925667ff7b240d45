import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { Clock } from '../../src/common/clock.js';
import { QueueService } from '../../src/common/queue/queue.service.js';
import { FreezeExpiryScheduler } from '../../src/recoveries/index.js';
import { bootApp, describeEachBackend, eventually, TestApp, USERS } from '../harness.js';
import { citizenId } from '../builders.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

const IDS = [
  citizenId('52010219850612341'),
  citizenId('52010319900203122'),
  citizenId('52010219780101333'),
];

interface Order {
  id: string;
  kind: string;
  status: string;
  frozenFen: number | null;
  recoveredFen: number;
  expiresAt: string | null;
  answeredAt: string | null;
  remindedAt: string | null;
  renewals: number;
  convertedFromId: string | null;
  convertedToId: string | null;
  goldenHour: { minutesToRequest: number; minutesToAnswer: number | null };
  events?: { action: string; fromStatus: string | null; toStatus: string }[];
}

interface Part {
  victimId: string;
  victimName: string;
  amountFen: number;
}

describeEachBackend('recoveries: orders, recoveries, allocation, ceremonies', (backend) => {
  let t: TestApp;
  const as = async (user: string) => ({ authorization: `Bearer ${await t.token(user)}` });
  let icbc = '';

  async function unitId(code: string): Promise<string> {
    const rows = (await t.db.query('SELECT id FROM units WHERE code = $1', [code])) as {
      id: string;
    }[];
    return rows[0].id;
  }

  /** Waits for the outbox and every waiting or running job; delayed expiry jobs stay delayed. */
  async function settle(): Promise<void> {
    const queues = t.app.get(QueueService).allQueues();
    const deadline = Date.now() + 20_000;
    for (;;) {
      const [{ n }] = (await t.db.query(
        'SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL',
      )) as { n: number }[];
      const counts = await Promise.all(
        queues.map((q) => q.getJobCounts('waiting', 'active', 'prioritized')),
      );
      const busy = counts.reduce((s, c) => s + Object.values(c).reduce((a, b) => a + b, 0), 0);
      if (n === 0 && busy === 0) return;
      assert.ok(Date.now() < deadline, `did not settle: outbox ${n}, ${JSON.stringify(counts)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A case of li.officer whose victims paid into `card`; answers the case with its ids. */
  async function fileCase(card: string, amounts: number[]) {
    const res = await t
      .http()
      .post('/api/v1/cases')
      .set(await as(USERS.officer))
      .send({
        fraudType: 'task_rebate',
        summary: '受害人在兼职群内被诱导刷单返利，向对方提供的银行卡转账。',
        reportedAt: new Date(t.app.get(Clock).nowMs() - 90 * 60_000).toISOString(),
        victims: amounts.map((_, i) => ({ name: ['张三', '李四', '王五'][i], idNumber: IDS[i] })),
        identifiers: [
          { kind: 'bank_card', value: card, bankName: '中国工商银行', role: 'receiving_account' },
        ],
        transfers: amounts.map((amountFen, i) => ({
          victimIndex: i,
          identifierIndex: 0,
          amountFen,
          transferredAt: '2026-11-20T14:05:00+08:00',
          channel: 'bank_transfer',
        })),
      });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return {
      caseId: res.body.id as string,
      identifierId: res.body.identifiers[0].id as string,
      victimIds: (res.body.victims as { id: string }[]).map((v) => v.id),
    };
  }

  async function request(
    c: { caseId: string; identifierId: string },
    kind: 'stop_payment' | 'freeze',
    requestedFen: number,
  ): Promise<Order> {
    const res = await t
      .http()
      .post('/api/v1/freeze-orders')
      .set(await as(USERS.officer))
      .send({
        kind,
        caseId: c.caseId,
        identifierId: c.identifierId,
        bankUnitId: icbc,
        requestedFen,
      });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as Order;
  }

  async function answer(id: string, body: Record<string, unknown>, user: string = USERS.icbc) {
    return t
      .http()
      .post(`/api/v1/freeze-orders/${id}/response`)
      .set(await as(user))
      .send(body);
  }

  async function notices(username: string, kind: string, entityId: string) {
    const res = await t
      .http()
      .get('/api/v1/notifications?limit=200')
      .set(await as(username))
      .expect(200);
    return (
      res.body.items as { kind: string; entityId: string; title: string; body: string }[]
    ).filter((n) => n.kind === kind && n.entityId === entityId);
  }

  /**
   * Brings a freeze into its renewal window (a week or so before expiry, on a day of the month
   * that every month has); answers the new expiry.
   */
  async function intoRenewalWindow(id: string): Promise<Date> {
    const expiresAt = new Date(t.app.get(Clock).nowMs() + 10 * DAY);
    if (expiresAt.getUTCDate() > 28) expiresAt.setUTCDate(expiresAt.getUTCDate() - 3);
    await t.db.query('UPDATE freeze_orders SET expires_at = $2 WHERE id = $1', [id, expiresAt]);
    return expiresAt;
  }

  beforeAll(async () => {
    t = await bootApp(backend);
    icbc = await unitId('ICBC-GY');
  });
  afterAll(() => t.close());

  it('follows one case from a stop-payment to a ceremony where two victims sign', async () => {
    const officer = await as(USERS.officer);
    const c = await fileCase('6222 0212 3456 7890 128', [5_000_000, 3_000_000, 2_000_000]);

    // 紧急止付: the officer asks ICBC; 90 minutes after the report.
    const sp = await request(c, 'stop_payment', 10_000_000);
    assert.equal(sp.status, 'requested');
    assert.ok(sp.goldenHour.minutesToRequest >= 89 && sp.goldenHour.minutesToRequest <= 91);
    assert.equal(sp.goldenHour.minutesToAnswer, null);

    // The bank's inbox has it; another bank's liaison sees nothing of it.
    const inbox = await t
      .http()
      .get('/api/v1/freeze-orders')
      .set(await as(USERS.icbc))
      .expect(200);
    assert.deepEqual(
      inbox.body.items.map((o: Order) => o.id),
      [sp.id],
    );
    const ccb = await as(USERS.ccb);
    assert.deepEqual(
      (await t.http().get('/api/v1/freeze-orders').set(ccb).expect(200)).body.items,
      [],
    );
    await t.http().get(`/api/v1/freeze-orders/${sp.id}`).set(ccb).expect(404);
    assert.equal((await answer(sp.id, { answer: 'frozen' }, USERS.ccb)).status, 404);
    // Only the bank answers; a bad partial answer names its field.
    assert.equal((await answer(sp.id, { answer: 'frozen' }, USERS.officer)).status, 403);
    const bad = await answer(sp.id, { answer: 'partially_frozen', frozenFen: 10_000_000 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.details[0].field, 'frozenFen');

    // 部分止付: 80,000 yuan of the 100,000 asked.
    const partial = await answer(sp.id, { answer: 'partially_frozen', frozenFen: 8_000_000 });
    assert.equal(partial.status, 200, JSON.stringify(partial.body));
    const answered = partial.body as Order;
    assert.equal(answered.status, 'partially_frozen');
    assert.equal(answered.frozenFen, 8_000_000);
    assert.equal(
      Date.parse(answered.expiresAt ?? '') - Date.parse(answered.answeredAt ?? ''),
      48 * HOUR,
    );
    assert.ok((answered.goldenHour.minutesToAnswer ?? -1) >= 89);
    assert.equal((await answer(sp.id, { answer: 'frozen' })).status, 409, 'answered once only');

    // Illegal steps are 409s: a stop-payment is not renewed; a second live stop-payment is refused.
    const renewSp = await t
      .http()
      .post(`/api/v1/freeze-orders/${sp.id}/renew`)
      .set(officer)
      .send({});
    assert.equal(renewSp.status, 409);
    const again = await t.http().post('/api/v1/freeze-orders').set(officer).send({
      kind: 'stop_payment',
      caseId: c.caseId,
      identifierId: c.identifierId,
      bankUnitId: icbc,
      requestedFen: 1,
    });
    assert.equal(again.status, 409);

    // 止付转冻结.
    const conv = await t
      .http()
      .post(`/api/v1/freeze-orders/${sp.id}/convert`)
      .set(officer)
      .send({});
    assert.equal(conv.status, 200, JSON.stringify(conv.body));
    const freeze = conv.body as Order;
    assert.equal(freeze.kind, 'freeze');
    assert.equal(freeze.status, 'partially_frozen');
    assert.equal(freeze.frozenFen, 8_000_000);
    assert.equal(freeze.convertedFromId, sp.id);
    const old = (await t.http().get(`/api/v1/freeze-orders/${sp.id}`).set(officer).expect(200))
      .body as Order;
    assert.equal(old.status, 'converted');
    assert.equal(old.convertedToId, freeze.id);
    assert.deepEqual(
      old.events?.map((e) => e.action),
      ['request', 'answer', 'convert'],
    );
    assert.equal(
      (await t.http().post(`/api/v1/freeze-orders/${sp.id}/convert`).set(officer).send({})).status,
      409,
    );

    // 续冻: in the window before expiry, six more months from the current expiry.
    const before = await intoRenewalWindow(freeze.id);
    const renewed = await t
      .http()
      .post(`/api/v1/freeze-orders/${freeze.id}/renew`)
      .set(officer)
      .send({});
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
    assert.equal(renewed.body.renewals, 1);
    const expected = new Date(before);
    expected.setUTCMonth(expected.getUTCMonth() + 6);
    assert.equal(renewed.body.expiresAt, expected.toISOString());

    // 追回: not from the converted stop-payment, not more than was frozen.
    const recovery = (amountFen: number, orderId = freeze.id) =>
      t.http().post('/api/v1/recoveries').set(officer).send({
        orderId,
        amountFen,
        recoveredOn: '2026-12-01',
        legalBasis: '《公安机关办理刑事案件程序规定》第二百三十八条',
      });
    assert.equal((await recovery(100, sp.id)).status, 409);
    assert.equal((await recovery(8_000_001)).status, 409);
    const rec = await recovery(1_000_001);
    assert.equal(rec.status, 201, JSON.stringify(rec.body));
    assert.equal(rec.body.amountFen, 1_000_001);

    // 返还分配: three victims, too little money → pro rata 5:3:2, largest remainder, 公示 first.
    const propose = await t
      .http()
      .post(`/api/v1/recoveries/${rec.body.id}/allocations`)
      .set(officer);
    assert.equal(propose.status, 200, JSON.stringify(propose.body));
    assert.equal(propose.body.method, 'pro_rata');
    assert.equal(propose.body.noticeRequired, true);
    const parts = propose.body.parts as Part[];
    const byVictim = new Map(parts.map((p) => [p.victimId, p.amountFen]));
    assert.deepEqual(
      c.victimIds.map((v) => byVictim.get(v)),
      [500_001, 300_000, 200_000],
    );
    assert.equal(
      parts.reduce((s, p) => s + p.amountFen, 0),
      1_000_001,
      'adds up to the fen',
    );
    assert.deepEqual(parts.map((p) => p.victimName).sort(), ['张*', '李*', '王*'].sort());
    const early = await t
      .http()
      .post(`/api/v1/recoveries/${rec.body.id}/allocations?confirm=true`)
      .set(officer);
    assert.equal(early.status, 409, 'not before the public notice has run');

    t.app.get(Clock).advance(30 * DAY + 60_000);
    const confirmed = await t
      .http()
      .post(`/api/v1/recoveries/${rec.body.id}/allocations?confirm=true`)
      .set(officer);
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    assert.equal(confirmed.body.status, 'confirmed');
    const allocations = confirmed.body.allocations as {
      id: string;
      victimId: string;
      amountFen: number;
    }[];
    assert.equal(allocations.length, 3);
    assert.equal(
      allocations.reduce((s, a) => s + a.amountFen, 0),
      1_000_001,
    );
    const again2 = await t
      .http()
      .post(`/api/v1/recoveries/${rec.body.id}/allocations?confirm=true`)
      .set(officer);
    assert.equal(again2.status, 409, 'the recovery is fully allocated');

    // 发还仪式: all three attached, two sign with their own ID numbers.
    const cer = await t.http().post('/api/v1/ceremonies').set(officer).send({
      title: '网络安全宣传周追回资金集中发还仪式',
      heldOn: '2027-01-15',
      venue: '云岩分局三楼会议室',
    });
    assert.equal(cer.status, 201, JSON.stringify(cer.body));
    const attach = await t
      .http()
      .post(`/api/v1/ceremonies/${cer.body.id}/allocations`)
      .set(officer)
      .send({ allocationIds: allocations.map((a) => a.id) });
    assert.equal(attach.status, 200, JSON.stringify(attach.body));
    const other = await t.http().post('/api/v1/ceremonies').set(officer).send({
      title: '第二场',
      heldOn: '2027-02-01',
      venue: '会议室',
    });
    const twice = await t
      .http()
      .post(`/api/v1/ceremonies/${other.body.id}/allocations`)
      .set(officer)
      .send({ allocationIds: [allocations[0].id] });
    assert.equal(twice.status, 409, 'an allocation is returned at most once');

    const allocOf = (victimId: string) => allocations.find((a) => a.victimId === victimId)!;
    const sign = (victimIndex: number, idNumber: string) =>
      t
        .http()
        .post(
          `/api/v1/ceremonies/${cer.body.id}/allocations/${allocOf(c.victimIds[victimIndex]).id}/sign`,
        )
        .set(officer)
        .send({ idNumber });
    const wrong = await sign(2, IDS[1]);
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.details[0].field, 'idNumber');
    assert.equal((await sign(0, IDS[0])).status, 200);
    const signed = await sign(1, IDS[1].toLowerCase());
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assert.equal((await sign(1, IDS[1])).status, 409, 'signed for once');

    const view = (await t.http().get(`/api/v1/ceremonies/${cer.body.id}`).set(officer).expect(200))
      .body;
    assert.deepEqual(
      {
        amountFen: view.totals.amountFen,
        signedFen: view.totals.signedFen,
        victims: view.totals.victims,
        signedVictims: view.totals.signedVictims,
        cases: view.totals.cases,
      },
      { amountFen: 1_000_001, signedFen: 800_001, victims: 3, signedVictims: 2, cases: 1 },
    );
    assert.deepEqual(
      view.totals.byFraudType.map((f: { fraudType: string; amountFen: number }) => [
        f.fraudType,
        f.amountFen,
      ]),
      [['task_rebate', 1_000_001]],
    );

    // The printable sheet: masked victims, yuan and fen, a signature column.
    const html = await t
      .http()
      .get(`/api/v1/ceremonies/${cer.body.id}/sheet`)
      .set(officer)
      .expect(200);
    assert.match(String(html.headers['content-type']), /text\/html/);
    assert.ok(
      html.text.includes('受害人签名') &&
        html.text.includes('张*') &&
        html.text.includes('5000.01'),
    );
    assert.ok(!html.text.includes('张三') && !html.text.includes(IDS[0]));
    // Its style block is allowed by hash (the API's own policy allows nothing); no script is.
    const style = /<style>([\s\S]*?)<\/style>/.exec(html.text)?.[1] ?? '';
    const hash = createHash('sha256').update(style).digest('base64');
    const policy = String(html.headers['content-security-policy']);
    assert.match(policy, /default-src 'none'/);
    assert.ok(policy.includes(`style-src 'sha256-${hash}'`), policy);
    const csv = await t
      .http()
      .get(`/api/v1/ceremonies/${cer.body.id}/sheet?format=csv`)
      .set(officer)
      .expect(200);
    assert.match(String(csv.headers['content-type']), /text\/csv/);
    const lines = csv.text
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    assert.equal(lines.length, 5);
    assert.ok(lines[0].startsWith('序号,案件编号,受害人,身份证号,发还金额（元）,发还金额（分）'));
    assert.ok(lines.some((l) => l.includes(',5000.01,500001,')));

    // The unit's figures: the converted freeze is not counted twice.
    const totals = (await t.http().get('/api/v1/recoveries/totals').set(officer).expect(200)).body;
    assert.equal(totals.requestedFen, 10_000_000);
    assert.equal(totals.frozenFen, 8_000_000);
    assert.equal(totals.recoveredFen, 1_000_001);
    assert.equal(totals.allocatedFen, 1_000_001);
    assert.equal(totals.returnedFen, 800_001);
    assert.equal(totals.victimsReturned, 2);
    assert.ok(totals.avgMinutesToRequest >= 89);
    await t
      .http()
      .get('/api/v1/recoveries/totals')
      .set(await as(USERS.community))
      .expect(200);
    // A liaison of another bank sees nothing of it anywhere.
    assert.deepEqual(
      (await t.http().get('/api/v1/freeze-orders').set(ccb).expect(200)).body.items,
      [],
    );
    await t.http().get('/api/v1/recoveries').set(ccb).expect(403);
    await t.http().get(`/api/v1/ceremonies/${cer.body.id}`).set(ccb).expect(403);
    // Another brigade's officer neither.
    const nanming = await as(USERS.officerNanming);
    await t.http().get(`/api/v1/freeze-orders/${freeze.id}`).set(nanming).expect(404);
    await t.http().get(`/api/v1/recoveries/${rec.body.id}`).set(nanming).expect(404);
    await t.http().get(`/api/v1/ceremonies/${cer.body.id}`).set(nanming).expect(404);

    // Release ends the freeze; then nothing more can happen to it.
    await t
      .http()
      .post(`/api/v1/freeze-orders/${freeze.id}/release`)
      .set(officer)
      .send({})
      .expect(200);
    assert.equal(
      (await t.http().post(`/api/v1/freeze-orders/${freeze.id}/renew`).set(officer).send({}))
        .status,
      409,
    );
    assert.equal((await recovery(1)).status, 409);
    await settle();
  });

  it('a new order, a conversion, a renewal and a release reach the bank’s liaisons, the answer reaches the officer; another bank hears nothing', async () => {
    const c = await fileCase('6222021234567894561', [120_000]);
    const sp = await request(c, 'stop_payment', 120_000);
    await settle();
    const told = await notices(USERS.icbc, 'freeze_order.requested', sp.id);
    assert.equal(told.length, 1);
    assert.match(told[0].title, /^新的紧急止付请求：/);
    assert.match(told[0].body, /6222021234567894561 紧急止付 1200\.00 元/);
    assert.equal((await notices(USERS.ccb, 'freeze_order.requested', sp.id)).length, 0);
    assert.equal((await notices(USERS.officer, 'freeze_order.answered', sp.id)).length, 0);

    const res = await answer(sp.id, { answer: 'partially_frozen', frozenFen: 80_000 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await settle();
    const answered = await notices(USERS.officer, 'freeze_order.answered', sp.id);
    assert.equal(answered.length, 1);
    assert.match(answered[0].title, /已部分冻结/);
    assert.match(answered[0].body, /冻结金额 800\.00 元/);
    assert.equal((await notices(USERS.icbc, 'freeze_order.requested', sp.id)).length, 1);

    // What the bank must carry out next reaches its liaisons too: the conversion into a freeze
    // (else its system lets the money go when the 48 hours of the stop-payment end), the renewal
    // and the release.
    const officer = await as(USERS.officer);
    const conv = await t
      .http()
      .post(`/api/v1/freeze-orders/${sp.id}/convert`)
      .set(officer)
      .send({});
    assert.equal(conv.status, 200, JSON.stringify(conv.body));
    const freezeId = conv.body.id as string;
    await settle();
    const converted = await notices(USERS.icbc, 'freeze_order.converted', freezeId);
    assert.equal(converted.length, 1);
    assert.match(converted[0].title, /^紧急止付转为冻结：/);
    assert.match(
      converted[0].body,
      /6222021234567894561 的紧急止付转为冻结，冻结金额 800\.00 元，冻结期限至 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/,
    );
    await intoRenewalWindow(freezeId);
    await t
      .http()
      .post(`/api/v1/freeze-orders/${freezeId}/renew`)
      .set(officer)
      .send({})
      .expect(200);
    await t
      .http()
      .post(`/api/v1/freeze-orders/${freezeId}/release`)
      .set(officer)
      .send({})
      .expect(200);
    await settle();
    const renewed = await notices(USERS.icbc, 'freeze_order.renewed', freezeId);
    assert.equal(renewed.length, 1);
    assert.match(renewed[0].body, /已续冻，期限至 /);
    const released = await notices(USERS.icbc, 'freeze_order.released', freezeId);
    assert.equal(released.length, 1);
    assert.match(released[0].title, /^解除冻结：/);
    for (const kind of ['converted', 'renewed', 'released'])
      assert.equal((await notices(USERS.ccb, `freeze_order.${kind}`, freezeId)).length, 0);
  });

  it('a bank’s own system reads its inbox and answers with its API key; another bank’s key sees nothing', async () => {
    const admin = await as(USERS.admin);
    const key = async (code: string) => {
      const res = await t
        .http()
        .post('/api/v1/api-keys')
        .set(admin)
        .send({ unitId: await unitId(code), name: `${code} 止付冻结接口` });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return { 'x-api-key': res.body.key as string };
    };
    const icbcKey = await key('ICBC-GY');
    const ccbKey = await key('CCB-GZ');
    const c = await fileCase('6222021234567890223', [66_000]);
    const sp = await request(c, 'stop_payment', 66_000);

    const inbox = await t.http().get('/api/v1/freeze-orders?limit=100').set(icbcKey).expect(200);
    const mine = (inbox.body.items as Order[]).find((o) => o.id === sp.id);
    assert.ok(mine, 'the order is in ICBC’s inbox');
    assert.ok((inbox.body.items as { bankUnitId: string }[]).every((o) => o.bankUnitId === icbc));
    const other = await t.http().get('/api/v1/freeze-orders?limit=100').set(ccbKey).expect(200);
    assert.ok(!(other.body.items as Order[]).some((o) => o.id === sp.id), 'not in CCB’s inbox');
    await t.http().get(`/api/v1/freeze-orders/${sp.id}`).set(ccbKey).expect(404);
    const wrongBank = await t
      .http()
      .post(`/api/v1/freeze-orders/${sp.id}/response`)
      .set(ccbKey)
      .send({ answer: 'frozen' });
    assert.equal(wrongBank.status, 404, 'another bank cannot answer');

    const res = await t
      .http()
      .post(`/api/v1/freeze-orders/${sp.id}/response`)
      .set(icbcKey)
      .send({ answer: 'frozen' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'frozen');
    assert.equal(res.body.frozenFen, 66_000);
    // A bank's system cannot act for the police.
    await t.http().post(`/api/v1/freeze-orders/${sp.id}/renew`).set(icbcKey).send({}).expect(403);
    await settle();
  });

  it('bad input to an order, a recovery or a ceremony is a 400 naming the field, and writes nothing', async () => {
    const officer = await as(USERS.officer);
    const c = await fileCase('6222021234567890017', [50_000]);
    const count = async (table: string) =>
      ((await t.db.query(`SELECT count(*)::int AS n FROM ${table}`)) as { n: number }[])[0].n;
    const before = {
      orders: await count('freeze_orders'),
      recoveries: await count('recoveries'),
      ceremonies: await count('ceremonies'),
    };
    const field = (res: { body: { details?: { field: string }[] } }) =>
      (res.body.details ?? []).map((d) => d.field);
    const bad: [string, Record<string, unknown>, string][] = [
      [
        '/api/v1/freeze-orders',
        {
          kind: 'freeze',
          caseId: c.caseId,
          identifierId: c.identifierId,
          bankUnitId: icbc,
          requestedFen: 10.5,
        },
        'requestedFen',
      ],
      [
        '/api/v1/freeze-orders',
        {
          kind: 'seize',
          caseId: c.caseId,
          identifierId: c.identifierId,
          bankUnitId: icbc,
          requestedFen: 100,
        },
        'kind',
      ],
      [
        '/api/v1/freeze-orders',
        {
          kind: 'freeze',
          caseId: c.caseId,
          identifierId: c.identifierId,
          bankUnitId: await unitId('GY-YY'),
          requestedFen: 100,
        },
        'bankUnitId',
      ],
      [
        '/api/v1/recoveries',
        { orderId: c.caseId, amountFen: -1, recoveredOn: '2026-12-01', legalBasis: '依法追缴' },
        'amountFen',
      ],
      [
        '/api/v1/recoveries',
        { orderId: c.caseId, amountFen: 100, recoveredOn: '2026-13-01', legalBasis: '依法追缴' },
        'recoveredOn',
      ],
      ['/api/v1/ceremonies', { title: '发还仪式', heldOn: '下周一', venue: '会议室' }, 'heldOn'],
    ];
    for (const [url, body, name] of bad) {
      const res = await t.http().post(url).set(officer).send(body);
      assert.equal(res.status, 400, `${url} ${JSON.stringify(body)}: ${res.status}`);
      assert.ok(field(res).includes(name), `${url}: ${JSON.stringify(res.body)}`);
    }
    assert.deepEqual(
      {
        orders: await count('freeze_orders'),
        recoveries: await count('recoveries'),
        ceremonies: await count('ceremonies'),
      },
      before,
    );
  });

  it('refuses each endpoint to the roles that must not use it', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const cases: [string, 'get' | 'post', string][] = [
      [USERS.community, 'get', '/api/v1/freeze-orders'],
      [USERS.community, 'post', '/api/v1/freeze-orders'],
      [USERS.icbc, 'post', '/api/v1/freeze-orders'],
      [USERS.officer, 'post', `/api/v1/freeze-orders/${id}/response`],
      [USERS.icbc, 'post', `/api/v1/freeze-orders/${id}/renew`],
      [USERS.icbc, 'post', `/api/v1/freeze-orders/${id}/release`],
      [USERS.icbc, 'post', `/api/v1/freeze-orders/${id}/convert`],
      [USERS.admin, 'post', '/api/v1/freeze-orders'],
      [USERS.icbc, 'get', '/api/v1/recoveries'],
      [USERS.icbc, 'post', '/api/v1/recoveries'],
      [USERS.admin, 'post', '/api/v1/recoveries'],
      [USERS.icbc, 'get', '/api/v1/recoveries/totals'],
      [USERS.community, 'post', `/api/v1/recoveries/${id}/allocations`],
      [USERS.community, 'get', '/api/v1/ceremonies'],
      [USERS.icbc, 'post', '/api/v1/ceremonies'],
      [USERS.admin, 'post', `/api/v1/ceremonies/${id}/allocations`],
      [USERS.icbc, 'post', `/api/v1/ceremonies/${id}/allocations/${id}/sign`],
      [USERS.community, 'get', `/api/v1/ceremonies/${id}/sheet`],
    ];
    for (const [user, method, url] of cases) {
      const res = await t
        .http()
        [method](url)
        .set(await as(user))
        .send({});
      assert.equal(res.status, 403, `${user} ${method.toUpperCase()} ${url}: ${res.status}`);
    }
  });

  it('reminds the officer before expiry with a moved clock, also after the queue store lost its data', async () => {
    const clock = t.app.get(Clock);
    const a = await fileCase('6217 0000 1000 2345 678', [300_000]);
    const b = await fileCase('6228 4800 1234 5678 901', [300_000]);
    const orderA = await request(a, 'stop_payment', 300_000);
    const orderB = await request(b, 'stop_payment', 300_000);
    assert.equal((await answer(orderA.id, { answer: 'frozen' })).status, 200);
    assert.equal((await answer(orderB.id, { answer: 'frozen' })).status, 200);
    await settle();
    const queue = t.app.get(QueueService).queue('freeze-expiry');
    const delayed = await queue.getJobs(['delayed']);
    const jobA = delayed.find((j) => (j.data as { orderId: string }).orderId === orderA.id);
    assert.ok(jobA, 'a delayed reminder job waits for order A');
    assert.ok((jobA.delay ?? 0) > 35 * HOUR && (jobA.delay ?? 0) <= 36 * HOUR);

    // Too early: nothing happens (the job finds the Clock before the reminder and waits again).
    await jobA.promote();
    await settle();
    assert.equal((await notices(USERS.officer, 'freeze_order.expiring', orderA.id)).length, 0);

    // 37 hours on, the delayed job fires and reminds li.officer (12 hours before the 48).
    clock.advance(37 * HOUR);
    const next = (await queue.getJobs(['delayed'])).find(
      (j) => (j.data as { orderId: string }).orderId === orderA.id && j.id !== jobA.id,
    );
    assert.ok(next, 'the early run scheduled the next check');
    await next.promote();
    const remindedA = await eventually('the reminder of A', async () => {
      const n = await notices(USERS.officer, 'freeze_order.expiring', orderA.id);
      return n.length ? n : undefined;
    });
    assert.equal(remindedA.length, 1);
    assert.equal(remindedA[0].title, '紧急止付即将到期');

    // The queue store loses everything (a Redis flush): B's delayed job is gone.
    if (backend === 'redis') {
      const redis = new Redis(t.config.redisUrl ?? '');
      try {
        let cursor = '0';
        do {
          const [nextCursor, keys] = await redis.scan(
            cursor,
            'MATCH',
            `${t.config.queuePrefix}:*`,
            'COUNT',
            1000,
          );
          cursor = nextCursor;
          if (keys.length) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    } else {
      await queue.obliterate({ force: true });
    }
    assert.equal((await queue.getJobs(['delayed'])).length, 0, 'no delayed job survived');

    // What the app does at start: reconcile the schedule from the database.
    assert.ok((await t.app.get(FreezeExpiryScheduler).reconcile()) >= 2);
    const remindedB = await eventually('the reminder of B', async () => {
      const n = await notices(USERS.officer, 'freeze_order.expiring', orderB.id);
      return n.length ? n : undefined;
    });
    assert.equal(remindedB.length, 1);
    await settle();
    // Reconciling again (a duplicate job) reminds no one twice.
    await t.app.get(FreezeExpiryScheduler).reconcile();
    await settle();
    assert.equal((await notices(USERS.officer, 'freeze_order.expiring', orderA.id)).length, 1);
    assert.equal((await notices(USERS.officer, 'freeze_order.expiring', orderB.id)).length, 1);
    const audit = (await t.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'freeze_order.remind' AND entity_id = ANY($1)`,
      [[orderA.id, orderB.id]],
    )) as { n: number }[];
    assert.equal(audit[0].n, 2);

    // At 48 hours the orders lapse; converting one then is a 409.
    clock.advance(12 * HOUR);
    await t.app.get(FreezeExpiryScheduler).reconcile(true);
    const expired = await eventually('the expiry of B', async () => {
      const o = (
        await t
          .http()
          .get(`/api/v1/freeze-orders/${orderB.id}`)
          .set(await as(USERS.officer))
      ).body as Order;
      return o.status === 'expired' ? o : undefined;
    });
    assert.deepEqual(
      expired.events?.map((e) => e.action),
      ['request', 'answer', 'remind', 'expire'],
    );
    const late = await t
      .http()
      .post(`/api/v1/freeze-orders/${orderB.id}/convert`)
      .set(await as(USERS.officer))
      .send({});
    assert.equal(late.status, 409);
    await settle();
  });

  it('never over-recovers or over-allocates under 50 parallel requests', async () => {
    const officer = await as(USERS.officer);
    const c = await fileCase('6230 5800 0012 3456 789', [500_000]);
    const order = await request(c, 'freeze', 1_000_000);
    assert.equal((await answer(order.id, { answer: 'frozen' })).status, 200);

    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        t.http().post('/api/v1/recoveries').set(officer).send({
          orderId: order.id,
          amountFen: 30_000,
          recoveredOn: '2026-12-01',
          legalBasis: '冻结款项依法扣划',
        }),
      ),
    );
    const created = results.filter((r) => r.status === 201);
    assert.equal(created.length, 33, 'exactly as many as fit in 10,000 yuan');
    assert.ok(results.every((r) => r.status === 201 || r.status === 409));
    const [{ sum }] = (await t.db.query(
      'SELECT coalesce(sum(amount_fen), 0)::int AS sum FROM recoveries WHERE order_id = $1',
      [order.id],
    )) as { sum: number }[];
    assert.equal(sum, 990_000);
    const o = (await t.http().get(`/api/v1/freeze-orders/${order.id}`).set(officer).expect(200))
      .body as Order;
    assert.equal(o.recoveredFen, 990_000);

    // Confirming all 33 at once: one victim, 5,000 yuan of loss: never more than that.
    const confirms = await Promise.all(
      created.map((r) =>
        t
          .http()
          .post(`/api/v1/recoveries/${r.body.id as string}/allocations?confirm=true`)
          .set(officer),
      ),
    );
    assert.ok(confirms.every((r) => r.status === 200 || r.status === 409));
    assert.ok(confirms.some((r) => r.status === 200));
    const [{ total }] = (await t.db.query(
      'SELECT coalesce(sum(amount_fen), 0)::int AS total FROM allocations WHERE victim_id = $1',
      [c.victimIds[0]],
    )) as { total: number }[];
    assert.ok(total <= 500_000, `allocated ${total} of a 500,000 loss`);

    // And one recovery confirmed from 20 requests at once is allocated once.
    const c2 = await fileCase('6259 6000 0000 1234 567', [5_000_000]);
    const order2 = await request(c2, 'freeze', 100_000);
    await answer(order2.id, { answer: 'frozen' });
    const rec = await t.http().post('/api/v1/recoveries').set(officer).send({
      orderId: order2.id,
      amountFen: 100_000,
      recoveredOn: '2026-12-01',
      legalBasis: '冻结款项依法扣划',
    });
    const twenty = await Promise.all(
      Array.from({ length: 20 }, () =>
        t
          .http()
          .post(`/api/v1/recoveries/${rec.body.id as string}/allocations?confirm=true`)
          .set(officer),
      ),
    );
    assert.equal(twenty.filter((r) => r.status === 200).length, 1);
    assert.equal(twenty.filter((r) => r.status === 409).length, 19);
    const [{ alloc }] = (await t.db.query(
      'SELECT coalesce(sum(amount_fen), 0)::int AS alloc FROM allocations WHERE recovery_id = $1',
      [rec.body.id],
    )) as { alloc: number }[];
    assert.equal(alloc, 100_000);
    await settle();
  });
});
