import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Clock } from '../../src/common/clock.js';
import { bootApp, eventually, TestApp, USERS } from '../harness.js';

const DAY = 24 * 3600_000;

interface Order {
  id: string;
  status: string;
  expiresAt: string | null;
  renewals: number;
  events?: { action: string }[];
}

describe('freeze renewals (续冻): only in the window before expiry, once per period', () => {
  let t: TestApp;
  const as = async (user: string) => ({ authorization: `Bearer ${await t.token(user)}` });

  /** A freeze of li.officer's new case, answered frozen by ICBC: six months to run. */
  async function frozenFreeze(card: string): Promise<Order> {
    const officer = await as(USERS.officer);
    const c = await t
      .http()
      .post('/api/v1/cases')
      .set(officer)
      .send({
        fraudType: 'task_rebate',
        summary: '受害人被诱导向对方银行卡转账。',
        reportedAt: '2026-11-21T09:30:00+08:00',
        victims: [{ name: '张三' }],
        identifiers: [{ kind: 'bank_card', value: card, role: 'receiving_account' }],
        transfers: [
          {
            victimIndex: 0,
            identifierIndex: 0,
            amountFen: 500_000,
            transferredAt: '2026-11-20T14:05:00+08:00',
            channel: 'bank_transfer',
          },
        ],
      })
      .expect(201);
    const [{ id: icbc }] = (await t.db.query(`SELECT id FROM units WHERE code = 'ICBC-GY'`)) as {
      id: string;
    }[];
    const order = await t
      .http()
      .post('/api/v1/freeze-orders')
      .set(officer)
      .send({
        kind: 'freeze',
        caseId: c.body.id,
        identifierId: c.body.identifiers[0].id,
        bankUnitId: icbc,
        requestedFen: 500_000,
      })
      .expect(201);
    const answered = await t
      .http()
      .post(`/api/v1/freeze-orders/${order.body.id}/response`)
      .set(await as(USERS.icbc))
      .send({ answer: 'frozen' })
      .expect(200);
    return answered.body as Order;
  }

  const renew = async (id: string) =>
    t
      .http()
      .post(`/api/v1/freeze-orders/${id}/renew`)
      .set(await as(USERS.officer))
      .send({});

  const renewedNotices = async (orderId: string) => {
    const res = await t
      .http()
      .get('/api/v1/notifications?limit=200')
      .set(await as(USERS.icbc))
      .expect(200);
    return (res.body.items as { kind: string; entityId: string; body: string }[]).filter(
      (n) => n.kind === 'freeze_order.renewed' && n.entityId === orderId,
    );
  };

  beforeAll(async () => {
    t = await bootApp('postgres');
  });
  afterAll(() => t.close());

  it('renewing a freeze just answered is a 409 saying when renewal opens; six at once move nothing', async () => {
    const order = await frozenFreeze('6222021234567890128');
    const res = await renew(order.id);
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.match(
      res.body.message,
      /^Cannot renew this freeze order: a freeze is renewed in the 15 days before it expires \(.+\), from \d{4}-\d{2}-\d{2}T/,
    );
    const burst = await Promise.all(Array.from({ length: 6 }, () => renew(order.id)));
    assert.deepEqual(
      burst.map((r) => r.status),
      [409, 409, 409, 409, 409, 409],
    );
    const after = (
      await t
        .http()
        .get(`/api/v1/freeze-orders/${order.id}`)
        .set(await as(USERS.officer))
        .expect(200)
    ).body as Order;
    assert.equal(after.expiresAt, order.expiresAt);
    assert.equal(after.renewals, 0);
    const [{ n }] = (await t.db.query(
      `SELECT count(*)::int AS n FROM outbox WHERE payload->>'orderId' = $1 AND payload->>'event' = 'renewed'`,
      [order.id],
    )) as { n: number }[];
    assert.equal(n, 0, 'nothing is sent to the bank');
  });

  it('inside the window one renewal of six at once goes through, six months on, and the bank hears of it once', async () => {
    const order = await frozenFreeze('6217000010002345678');
    // Ten days before expiry (on a day every month has, so six months on is the same day).
    const expiresAt = new Date(t.app.get(Clock).nowMs() + 10 * DAY);
    if (expiresAt.getUTCDate() > 28) expiresAt.setUTCDate(expiresAt.getUTCDate() - 3);
    await t.db.query('UPDATE freeze_orders SET expires_at = $2 WHERE id = $1', [
      order.id,
      expiresAt,
    ]);
    const burst = await Promise.all(Array.from({ length: 6 }, () => renew(order.id)));
    assert.deepEqual(burst.map((r) => r.status).sort(), [200, 409, 409, 409, 409, 409]);
    const renewed = burst.find((r) => r.status === 200)?.body as Order;
    const expected = new Date(expiresAt);
    expected.setUTCMonth(expected.getUTCMonth() + 6);
    assert.equal(renewed.expiresAt, expected.toISOString());
    assert.equal(renewed.renewals, 1);

    // The next renewal waits for the new period's window.
    const again = await renew(order.id);
    assert.equal(again.status, 409);
    assert.match(again.body.message, /renewed in the 15 days before it expires/);

    const told = await eventually('the bank hears of the renewal', async () => {
      const n = await renewedNotices(order.id);
      return n.length ? n : undefined;
    });
    assert.equal(told.length, 1);
    assert.match(told[0].body, /已续冻，期限至 /);
    const events = (
      await t
        .http()
        .get(`/api/v1/freeze-orders/${order.id}`)
        .set(await as(USERS.officer))
        .expect(200)
    ).body as Order;
    assert.deepEqual(
      events.events?.map((e) => e.action),
      ['request', 'answer', 'renew'],
    );
  });
});
