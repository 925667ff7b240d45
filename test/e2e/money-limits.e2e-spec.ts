import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { MoneyLimits1733030000000 } from '../../src/common/database/migrations/1733030000000-MoneyLimits.js';
import { MAX_AMOUNT_FEN, MAX_CASE_LOSS_FEN } from '../../src/common/money.js';
import { bootApp, TestApp, USERS } from '../harness.js';

const HUGE = Number.MAX_SAFE_INTEGER; // 2^53 − 1 fen
const CARD = '6222021234567890128';

const transfer = (amountFen: number, victimIndex = 0) => ({
  victimIndex,
  identifierIndex: 0,
  amountFen,
  transferredAt: '2026-11-20T14:05:00+08:00',
  channel: 'bank_transfer',
});

const newCase = (transfers: ReturnType<typeof transfer>[], card = CARD) => ({
  fraudType: 'task_rebate',
  summary: '受害人被诱导向对方银行卡转账。',
  reportedAt: '2026-11-21T09:30:00+08:00',
  victims: [{ name: '张三' }, { name: '李四' }],
  identifiers: [{ kind: 'bank_card', value: card, role: 'receiving_account' }],
  transfers,
});

interface Problem {
  field: string;
  problem: string;
}

describe('amount ceiling: no amount or sum can break a read', () => {
  let t: TestApp;
  const as = async (user: string) => ({ authorization: `Bearer ${await t.token(user)}` });
  const count = async (table: string) =>
    ((await t.db.query(`SELECT count(*)::int AS n FROM ${table}`)) as { n: number }[])[0].n;

  /** Every role that lists cases, orders or totals still gets them. */
  async function listsStillWork(): Promise<void> {
    const reads: [string, string[]][] = [
      ['/api/v1/cases', [USERS.officer, USERS.supervisor, USERS.admin]],
      ['/api/v1/freeze-orders', [USERS.officer, USERS.supervisor, USERS.admin, USERS.icbc]],
      [
        '/api/v1/recoveries/totals',
        [USERS.officer, USERS.supervisor, USERS.admin, USERS.community],
      ],
    ];
    for (const [url, users] of reads) {
      for (const user of users) {
        const res = await t
          .http()
          .get(url)
          .set(await as(user));
        assert.equal(res.status, 200, `${user} GET ${url}: ${JSON.stringify(res.body)}`);
      }
    }
  }

  beforeAll(async () => {
    t = await bootApp('postgres');
  });
  afterAll(() => t.close());

  it('two transfers of 2^53 − 1 fen are a 400 naming amountFen, nothing is saved, and every list still works', async () => {
    const before = await count('cases');
    const res = await t
      .http()
      .post('/api/v1/cases')
      .set(await as(USERS.officer))
      .send(newCase([transfer(HUGE, 0), transfer(HUGE, 1)]));
    assert.equal(res.status, 400, JSON.stringify(res.body));
    const details = res.body.details as Problem[];
    assert.ok(details.length >= 2, JSON.stringify(details));
    assert.ok(
      details.every((d) => /^transfers\W+[01]\W*\.amountFen$/.test(d.field)),
      JSON.stringify(details),
    );
    assert.match(details[0].problem, /between 0 and 1000000000000/);
    assert.equal(await count('cases'), before);
    assert.equal(await count('victim_transfers'), 0);
    await listsStillWork();
  });

  it('a case may lose up to 1000亿元; the transfer that passes it is a 400 naming it, at intake or added later', async () => {
    const headers = await as(USERS.officer);
    const before = await count('cases');
    const eleven = await t
      .http()
      .post('/api/v1/cases')
      .set(headers)
      .send(newCase(Array.from({ length: 11 }, (_, i) => transfer(MAX_AMOUNT_FEN, i % 2))));
    assert.equal(eleven.status, 400, JSON.stringify(eleven.body));
    assert.deepEqual(
      (eleven.body.details as Problem[]).map((d) => d.field),
      ['transfers[10].amountFen'],
    );
    assert.match(eleven.body.details[0].problem, /loss past 10000000000000 fen/);
    assert.equal(await count('cases'), before);

    const ten = await t
      .http()
      .post('/api/v1/cases')
      .set(headers)
      .send(newCase(Array.from({ length: 10 }, (_, i) => transfer(MAX_AMOUNT_FEN, i % 2))));
    assert.equal(ten.status, 201, JSON.stringify(ten.body));
    assert.equal(ten.body.lossFen, MAX_CASE_LOSS_FEN);
    const more = await t.http().post(`/api/v1/cases/${ten.body.id}/transfers`).set(headers).send({
      victimId: ten.body.victims[0].id,
      identifierId: ten.body.identifiers[0].id,
      amountFen: 1,
      transferredAt: '2026-11-21T08:00:00+08:00',
      channel: 'wechat_pay',
    });
    assert.equal(more.status, 400, JSON.stringify(more.body));
    assert.deepEqual(more.body.details, [
      {
        field: 'amountFen',
        problem: "would bring the case's loss past 10000000000000 fen (1000亿元)",
      },
    ]);
    const after = await t.http().get(`/api/v1/cases/${ten.body.id}`).set(headers).expect(200);
    assert.equal(after.body.lossFen, MAX_CASE_LOSS_FEN);
    assert.equal(after.body.transfers.length, 10);
    await listsStillWork();
  });

  it('a freeze request over 100亿元 is a 400 naming requestedFen, and the totals still answer', async () => {
    const headers = await as(USERS.officer);
    const c = await t
      .http()
      .post('/api/v1/cases')
      .set(headers)
      .send(newCase([transfer(5_000_000)], '6222 0212 3456 7890 136'))
      .expect(201);
    const [{ id: icbc }] = (await t.db.query(`SELECT id FROM units WHERE code = 'ICBC-GY'`)) as {
      id: string;
    }[];
    for (const requestedFen of [MAX_AMOUNT_FEN + 1, HUGE]) {
      const res = await t.http().post('/api/v1/freeze-orders').set(headers).send({
        kind: 'freeze',
        caseId: c.body.id,
        identifierId: c.body.identifiers[0].id,
        bankUnitId: icbc,
        requestedFen,
      });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(
        (res.body.details as Problem[]).map((d) => d.field),
        ['requestedFen'],
      );
    }
    assert.equal(await count('freeze_orders'), 0);
    const ok = await t.http().post('/api/v1/freeze-orders').set(headers).send({
      kind: 'freeze',
      caseId: c.body.id,
      identifierId: c.body.identifiers[0].id,
      bankUnitId: icbc,
      requestedFen: MAX_AMOUNT_FEN,
    });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const totals = await t.http().get('/api/v1/recoveries/totals').set(headers).expect(200);
    assert.equal(totals.body.requestedFen, MAX_AMOUNT_FEN);
    await listsStillWork();
  });

  it('the database itself refuses an amount or a loss over the ceiling written past the API', async () => {
    const [row] = (await t.db.query(
      `SELECT t.case_id, t.victim_id, t.identifier_id, o.id AS order_id
       FROM victim_transfers t JOIN freeze_orders o ON o.case_id = t.case_id LIMIT 1`,
    )) as { case_id: string; victim_id: string; identifier_id: string; order_id: string }[];
    const refused = async (constraint: string, sql: string, params: unknown[]) => {
      await assert.rejects(
        t.db.query(sql, params),
        (err: Error & { driverError?: { constraint?: string } }) => {
          assert.equal(err.driverError?.constraint, constraint, err.message);
          return true;
        },
      );
    };
    await refused(
      'victim_transfers_amount_fen_max',
      `INSERT INTO victim_transfers (case_id, victim_id, identifier_id, amount_fen, transferred_at, channel)
       VALUES ($1, $2, $3, $4, now(), 'other')`,
      [row.case_id, row.victim_id, row.identifier_id, String(HUGE)],
    );
    // Each transfer within the ceiling, their sum over the case's: the trigger's UPDATE fails, and
    // the INSERT with it.
    await refused(
      'cases_loss_fen_max',
      `INSERT INTO victim_transfers (case_id, victim_id, identifier_id, amount_fen, transferred_at, channel)
       SELECT $1, $2, $3, $4, now(), 'other' FROM generate_series(1, 11)`,
      [row.case_id, row.victim_id, row.identifier_id, String(MAX_AMOUNT_FEN)],
    );
    await refused('cases_loss_fen_max', 'UPDATE cases SET loss_fen = $2 WHERE id = $1', [
      row.case_id,
      String(HUGE),
    ]);
    await refused(
      'freeze_orders_requested_fen_max',
      'UPDATE freeze_orders SET requested_fen = $2 WHERE id = $1',
      [row.order_id, String(HUGE)],
    );
    await refused(
      'transfer_flags_amount_fen_max',
      `INSERT INTO transfer_flags (bank_unit_id, external_ref, payer_account, payee_account, amount_fen,
                                   occurred_at, reason, submitted_by_kind, submitted_by_id)
       SELECT id, 'x-1', '6212262402001234567', '6222021234567890128', $1, now(), 'x', 'user', id
       FROM units WHERE code = 'ICBC-GY'`,
      [String(MAX_AMOUNT_FEN + 1)],
    );
    // What the ceiling allows is stored and read back exactly.
    await t.db.query('UPDATE freeze_orders SET requested_fen = $2 WHERE id = $1', [
      row.order_id,
      String(MAX_AMOUNT_FEN),
    ]);
    await listsStillWork();
  });

  it('totals over more rows than any real unit holds saturate at 2^53 − 1 instead of failing', async () => {
    // 9,100 answered-and-rejected orders of 100亿元 each, written past the API: 9.1 × 10^15 fen.
    await t.db.query(
      `INSERT INTO freeze_orders (kind, status, case_id, identifier_id, unit_id, bank_unit_id, requested_fen,
                                  reject_reason, case_reported_at, requested_at, answered_at)
       SELECT 'freeze', 'rejected', o.case_id, o.identifier_id, o.unit_id, o.bank_unit_id, $1, 'x',
              o.case_reported_at, o.requested_at, o.requested_at
       FROM freeze_orders o, generate_series(1, 9100) LIMIT 9100`,
      [String(MAX_AMOUNT_FEN)],
    );
    const [{ sum }] = (await t.db.query(
      'SELECT sum(requested_fen)::text AS sum FROM freeze_orders',
    )) as {
      sum: string;
    }[];
    assert.ok(BigInt(sum) > BigInt(Number.MAX_SAFE_INTEGER));
    for (const user of [USERS.officer, USERS.admin]) {
      const totals = await t
        .http()
        .get('/api/v1/recoveries/totals')
        .set(await as(user));
      assert.equal(totals.status, 200, JSON.stringify(totals.body));
      assert.equal(totals.body.requestedFen, Number.MAX_SAFE_INTEGER);
    }
    await listsStillWork();
  });
  it('the migration stops on old rows over the ceiling, naming them, rather than change money records', async () => {
    const migration = new MoneyLimits1733030000000();
    const q = t.db.createQueryRunner();
    try {
      await migration.down(q);
      const [row] = (await q.query(
        `SELECT t.case_id, t.victim_id, t.identifier_id FROM victim_transfers t LIMIT 1`,
      )) as { case_id: string; victim_id: string; identifier_id: string }[];
      const [{ id }] = (await q.query(
        `INSERT INTO victim_transfers (case_id, victim_id, identifier_id, amount_fen, transferred_at, channel)
         VALUES ($1, $2, $3, $4, now(), 'other') RETURNING id`,
        [row.case_id, row.victim_id, row.identifier_id, String(HUGE)],
      )) as { id: string }[];
      await assert.rejects(migration.up(q), (err: Error) => {
        assert.match(err.message, /correct these rows, then start again/);
        assert.ok(
          err.message.includes(`victim_transfers.amount_fen > 1000000000000: 1 row(s), e.g. ${id}`),
          err.message,
        );
        assert.match(err.message, /cases\.loss_fen > 10000000000000: 1 row\(s\)/);
        return true;
      });
      await q.query('DELETE FROM victim_transfers WHERE id = $1', [id]);
      await migration.up(q);
    } finally {
      await q.release();
    }
    await listsStillWork();
  });
});
