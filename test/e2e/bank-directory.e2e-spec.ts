import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Clock } from '../../src/common/clock.js';
import { bootApp, TestApp, USERS } from '../harness.js';

interface UnitItem {
  id: string;
  parentId: string | null;
  kind: string;
  code: string;
  name: string;
}

/** Officers and supervisors find the bank to ask by name or code (DESIGN: visibility beyond the subtree). */
describe('bank directory: officers and supervisors find any bank or branch to ask', () => {
  let t: TestApp;
  const ids = new Map<string, string>();

  const get = async (url: string, username: string) =>
    t
      .http()
      .get(url)
      .set('authorization', `Bearer ${await t.token(username)}`);
  const codes = async (url: string, username: string) => {
    const res = await get(url, username);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.items as UnitItem[]).map((u) => u.code);
  };

  /** A case of `username` with one victim who paid into `card`, and an order on it naming `bankUnitId`. */
  async function fileOrder(username: string, card: string, bankUnitId: string) {
    const auth = { authorization: `Bearer ${await t.token(username)}` };
    const created = await t
      .http()
      .post('/api/v1/cases')
      .set(auth)
      .send({
        fraudType: 'task_rebate',
        summary: '受害人被诱导刷单返利，向对方银行卡转账。',
        reportedAt: new Date(t.app.get(Clock).nowMs() - 30 * 60_000).toISOString(),
        victims: [{ name: '赵六' }],
        identifiers: [
          { kind: 'bank_card', value: card, bankName: '中国工商银行', role: 'receiving_account' },
        ],
        transfers: [
          {
            victimIndex: 0,
            identifierIndex: 0,
            amountFen: 200_000,
            transferredAt: '2026-11-20T14:05:00+08:00',
            channel: 'bank_transfer',
          },
        ],
      });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return t.http().post('/api/v1/freeze-orders').set(auth).send({
      kind: 'stop_payment',
      caseId: created.body.id,
      identifierId: created.body.identifiers[0].id,
      bankUnitId,
      requestedFen: 200_000,
    });
  }

  beforeAll(async () => {
    t = await bootApp('postgres');
    for (const row of (await t.db.query('SELECT id, code FROM units')) as {
      id: string;
      code: string;
    }[])
      ids.set(row.code, row.id);
  });
  afterAll(() => t.close());

  it('an officer finds ICBC’s branch by name and by code, reads it, and files a stop-payment with it that reaches ICBC', async () => {
    const byName = await get('/api/v1/units?kind=bank_branch&q=中华北路', USERS.officer);
    assert.equal(byName.status, 200);
    const items = byName.body.items as UnitItem[];
    assert.deepEqual(
      items.map((u) => u.code),
      ['ICBC-GY-ZHBL'],
    );
    // Names and codes only: nothing about its users.
    assert.deepEqual(Object.keys(items[0]).sort(), [
      'code',
      'createdAt',
      'id',
      'kind',
      'name',
      'parentId',
    ]);
    assert.equal(items[0].name, '中国工商银行贵阳中华北路支行');
    assert.equal(items[0].parentId, ids.get('ICBC-GY'));
    assert.deepEqual(await codes('/api/v1/units?q=icbc-gy-z', USERS.officer), ['ICBC-GY-ZHBL']);
    const one = await get(`/api/v1/units/${items[0].id}`, USERS.officer);
    assert.equal(one.status, 200);
    assert.equal(one.body.code, 'ICBC-GY-ZHBL');
    assert.equal((await get(`/api/v1/units/${ids.get('CCB-GZ')}`, USERS.officer)).status, 200);

    const order = await fileOrder(USERS.officer, '6222 0212 3456 7800 017', items[0].id);
    assert.equal(order.status, 201, JSON.stringify(order.body));
    // A branch stands for its bank: the order is ICBC's, in its liaisons' inbox.
    assert.equal(order.body.bankUnitId, ids.get('ICBC-GY'));
    const inbox = await get('/api/v1/freeze-orders?limit=200', USERS.icbc);
    assert.ok((inbox.body.items as { id: string }[]).some((o) => o.id === order.body.id));
  });

  it('a supervisor finds the branch too and files an order with it', async () => {
    assert.deepEqual(await codes('/api/v1/units?q=中华北路', USERS.supervisor), ['ICBC-GY-ZHBL']);
    const order = await fileOrder(
      USERS.supervisor,
      '6222 0212 3456 7800 025',
      ids.get('ICBC-GY-ZHBL') ?? '',
    );
    assert.equal(order.status, 201, JSON.stringify(order.body));
    assert.equal(order.body.bankUnitId, ids.get('ICBC-GY'));
  });

  it('searches by part of the name: 工商 finds ICBC and its branch, 银行 every bank, and no police unit outside the scope', async () => {
    assert.deepEqual(await codes('/api/v1/units?q=工商', USERS.officer), [
      'ICBC-GY',
      'ICBC-GY-ZHBL',
    ]);
    assert.deepEqual(await codes('/api/v1/units?kind=bank&q=工商', USERS.officer), ['ICBC-GY']);
    assert.deepEqual(await codes('/api/v1/units?kind=bank', USERS.officer), ['CCB-GZ', 'ICBC-GY']);
    assert.deepEqual(await codes('/api/v1/units?q=银行', USERS.officer), [
      'CCB-GZ',
      'ICBC-GY',
      'ICBC-GY-ZHBL',
    ]);
    // Other police units stay out of sight; a LIKE wildcard is a plain character.
    assert.deepEqual(await codes('/api/v1/units?q=南明', USERS.officer), []);
    assert.equal((await get(`/api/v1/units/${ids.get('GY-NM-HX')}`, USERS.officer)).status, 404);
    assert.deepEqual(await codes('/api/v1/units?q=%25', USERS.officer), []);
    const long = await get(`/api/v1/units?q=${'银'.repeat(101)}`, USERS.officer);
    assert.equal(long.status, 400);
    assert.equal(long.body.details[0].field, 'q');
  });

  it('pages through the banks found, without duplicates', async () => {
    const first = await get('/api/v1/units?q=银行&limit=2', USERS.officer);
    assert.equal(first.status, 200);
    assert.deepEqual(
      (first.body.items as UnitItem[]).map((u) => u.code),
      ['CCB-GZ', 'ICBC-GY'],
    );
    assert.ok(first.body.nextCursor);
    const second = await get(
      `/api/v1/units?q=银行&limit=2&cursor=${first.body.nextCursor as string}`,
      USERS.officer,
    );
    assert.equal(second.status, 200);
    assert.deepEqual(
      (second.body.items as UnitItem[]).map((u) => u.code),
      ['ICBC-GY-ZHBL'],
    );
    assert.equal(second.body.nextCursor, null);
  });

  it('community police still see no bank, and a liaison only their own bank', async () => {
    assert.deepEqual(await codes('/api/v1/units?kind=bank', USERS.community), []);
    assert.deepEqual(await codes('/api/v1/units?q=银行', USERS.community), []);
    assert.equal((await get(`/api/v1/units/${ids.get('ICBC-GY')}`, USERS.community)).status, 404);
    assert.deepEqual(await codes('/api/v1/units?q=银行', USERS.icbc), ['ICBC-GY', 'ICBC-GY-ZHBL']);
    assert.equal((await get(`/api/v1/units/${ids.get('CCB-GZ')}`, USERS.icbc)).status, 404);
  });

  it('an order naming a police unit as its bank is a 400 naming bankUnitId', async () => {
    const res = await fileOrder(USERS.officer, '6222 0212 3456 7800 033', ids.get('GY-YY') ?? '');
    assert.equal(res.status, 400);
    assert.equal(res.body.details[0].field, 'bankUnitId');
  });
});
