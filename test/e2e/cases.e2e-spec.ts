import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import {
  ALLOWED_TRANSITIONS,
  CASE_STATUSES,
  CaseStatus,
} from '../../src/cases/case/case-status.js';
import { bootApp, eventually, TestApp, USERS } from '../harness.js';
import { citizenId } from '../builders.js';

const ZHANG_ID = citizenId('52010219850612341');
const LI_ID = citizenId('52010319900203122');

function newCase(overrides: Record<string, unknown> = {}) {
  return {
    fraudType: 'task_rebate',
    summary: '受害人在兼职群内被诱导刷单返利，先后向对方提供的银行卡转账。',
    reportedAt: '2026-11-21T09:30:00+08:00',
    occurredAt: '2026-11-20T14:00:00+08:00',
    victims: [
      {
        name: '张三',
        idNumber: ZHANG_ID,
        phone: '+86 138-1234-5678',
        address: '贵阳市云岩区东山路12号',
      },
      { name: '李四', idNumber: LI_ID.toLowerCase(), phone: '13987654321' },
    ],
    identifiers: [
      {
        kind: 'bank_card',
        value: '6222 0212 3456 7890 128',
        bankName: '中国工商银行',
        role: 'receiving_account',
      },
      { kind: 'phone', value: '170-0000-1111', role: 'contact_phone' },
      { kind: 'wechat', value: 'Shuadan_Boss88', role: 'contact_account' },
    ],
    transfers: [
      {
        victimIndex: 0,
        identifierIndex: 0,
        amountFen: 5_000_000,
        transferredAt: '2026-11-20T14:05:00+08:00',
        channel: 'bank_transfer',
      },
      {
        victimIndex: 1,
        identifierIndex: 0,
        amountFen: 1_234_567,
        transferredAt: '2026-11-20T15:00:00+08:00',
        channel: 'bank_transfer',
      },
    ],
    ...overrides,
  };
}

describe('cases', () => {
  let t: TestApp;
  const as = async (user: string) => ({ authorization: `Bearer ${await t.token(user)}` });
  let caseId = '';

  beforeAll(async () => {
    t = await bootApp('postgres');
  });
  afterAll(() => t.close());

  it('an officer files a case with two victims, three identifiers and two transfers in one request', async () => {
    const res = await t
      .http()
      .post('/api/v1/cases')
      .set(await as(USERS.officer))
      .send(newCase())
      .expect(201);
    caseId = res.body.id;
    assert.match(res.body.caseNo, /^GY-YY-WA-2026-\d{6}$/);
    assert.equal(res.body.status, 'reported');
    assert.equal(res.body.victims.length, 2);
    assert.equal(res.body.identifiers.length, 3);
    assert.equal(res.body.transfers.length, 2);
    assert.equal(res.body.lossFen, 6_234_567, 'loss is the sum of the transfers');
    const card = res.body.identifiers.find((i: { kind: string }) => i.kind === 'bank_card');
    assert.equal(card.value, '6222021234567890128', 'card numbers are stored as digits only');
    const phone = res.body.identifiers.find((i: { kind: string }) => i.kind === 'phone');
    assert.equal(phone.value, '17000001111');
    assert.equal(
      res.body.identifiers.find((i: { kind: string }) => i.kind === 'wechat').value,
      'shuadan_boss88',
    );
  });

  it('victim PII is masked for the officer unless revealed, and a reveal is audited', async () => {
    const masked = await t
      .http()
      .get(`/api/v1/cases/${caseId}`)
      .set(await as(USERS.officer))
      .expect(200);
    const [zhang] = masked.body.victims;
    assert.equal(zhang.name, '张*');
    assert.equal(zhang.idNumber, `${ZHANG_ID.slice(0, 3)}${'*'.repeat(11)}${ZHANG_ID.slice(-4)}`);
    assert.equal(zhang.phone, '138****5678');
    assert.equal(zhang.revealed, false);
    assert.ok(
      !JSON.stringify(masked.body).includes(ZHANG_ID),
      'the full ID number appears nowhere',
    );

    const clear = await t
      .http()
      .get(`/api/v1/cases/${caseId}?reveal=pii`)
      .set(await as(USERS.officer))
      .expect(200);
    assert.equal(clear.body.victims[0].name, '张三');
    assert.equal(clear.body.victims[0].idNumber, ZHANG_ID);
    assert.equal(clear.body.victims[0].phone, '13812345678');
    assert.equal(clear.body.victims[1].idNumber, LI_ID, 'a lower-case x is stored as X');
    const audit = (await t.db.query(
      "SELECT actor_role, details FROM audit_events WHERE action = 'victim.pii_read' AND entity_id = $1",
      [caseId],
    )) as { actor_role: string; details: { victimIds: string[] } }[];
    assert.equal(audit.length, 1);
    assert.equal(audit[0].actor_role, 'officer');
    assert.equal(audit[0].details.victimIds.length, 2);
  });

  it('PII is stored encrypted: no name, ID number or phone in clear in the database', async () => {
    const rows = (await t.db.query('SELECT * FROM victims WHERE case_id = $1', [caseId])) as Record<
      string,
      unknown
    >[];
    const dump = JSON.stringify(rows);
    for (const secret of ['张三', ZHANG_ID, '13812345678'])
      assert.ok(!dump.includes(secret), `${secret} not in clear`);
  });

  it('an admin sees the case with PII masked and may not reveal it', async () => {
    const res = await t
      .http()
      .get(`/api/v1/cases/${caseId}`)
      .set(await as(USERS.admin))
      .expect(200);
    assert.equal(res.body.victims[0].name, '张*');
    await t
      .http()
      .get(`/api/v1/cases/${caseId}?reveal=pii`)
      .set(await as(USERS.admin))
      .expect(403);
  });

  it('bank liaisons and community police cannot open cases at all', async () => {
    for (const user of [USERS.icbc, USERS.community]) {
      await t
        .http()
        .get(`/api/v1/cases/${caseId}`)
        .set(await as(user))
        .expect(403);
      await t
        .http()
        .get('/api/v1/cases')
        .set(await as(user))
        .expect(403);
      await t
        .http()
        .post('/api/v1/cases')
        .set(await as(user))
        .send(newCase())
        .expect(403);
    }
  });

  it('an officer of another sub-bureau does not see the case (404) nor find it in lists', async () => {
    await t
      .http()
      .get(`/api/v1/cases/${caseId}`)
      .set(await as(USERS.officerNanming))
      .expect(404);
    const list = await t
      .http()
      .get('/api/v1/cases')
      .set(await as(USERS.officerNanming))
      .expect(200);
    assert.ok(!list.body.items.some((c: { id: string }) => c.id === caseId));
  });

  it('a bad ID number, phone and card are each a 400 naming the field, and nothing is written', async () => {
    const before = (await t.db.query('SELECT count(*)::int AS n FROM cases'))[0].n as number;
    const res = await t
      .http()
      .post('/api/v1/cases')
      .set(await as(USERS.officer))
      .send(
        newCase({
          victims: [
            {
              name: '王五',
              idNumber: ZHANG_ID.slice(0, 17) + (ZHANG_ID[17] === '1' ? '2' : '1'),
              phone: '12345',
            },
          ],
          identifiers: [{ kind: 'bank_card', value: '6222-abc' }],
          transfers: [],
        }),
      )
      .expect(400);
    const fields = res.body.details.map((d: { field: string }) => d.field).sort();
    assert.deepEqual(fields, ['identifiers[0].value', 'victims[0].idNumber', 'victims[0].phone']);
    assert.equal((await t.db.query('SELECT count(*)::int AS n FROM cases'))[0].n, before);
  });

  it('an unknown fraud type and a transfer pointing nowhere are 400s naming the field', async () => {
    const res = await t
      .http()
      .post('/api/v1/cases')
      .set(await as(USERS.officer))
      .send(
        newCase({
          fraudType: 'no_such_type',
          transfers: [
            {
              victimIndex: 5,
              identifierIndex: 0,
              amountFen: 1,
              transferredAt: '2026-11-20T14:05:00+08:00',
              channel: 'bank_transfer',
            },
          ],
        }),
      )
      .expect(400);
    const fields = res.body.details.map((d: { field: string }) => d.field).sort();
    assert.deepEqual(fields, ['fraudType', 'transfers[0].victimIndex']);
  });

  it('money is whole fen: a fractional or negative amount is a 400', async () => {
    for (const amountFen of [12.5, -1, '100']) {
      const res = await t
        .http()
        .post('/api/v1/cases')
        .set(await as(USERS.officer))
        .send(
          newCase({
            transfers: [
              {
                victimIndex: 0,
                identifierIndex: 0,
                amountFen,
                transferredAt: '2026-11-20T14:05:00+08:00',
                channel: 'bank_transfer',
              },
            ],
          }),
        )
        .expect(400);
      assert.equal(res.body.details[0].field, 'transfers.0.amountFen');
    }
  });

  it('twenty intakes at once for one unit get twenty distinct, consecutive case numbers', async () => {
    const headers = await as(USERS.officer);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        t
          .http()
          .post('/api/v1/cases')
          .set(headers)
          .send(newCase({ victims: [], identifiers: [], transfers: [] })),
      ),
    );
    const numbers = results.map((r) => {
      assert.equal(r.status, 201);
      return Number((r.body.caseNo as string).slice(-6));
    });
    assert.equal(new Set(numbers).size, 20);
    const sorted = [...numbers].sort((a, b) => a - b);
    assert.equal(sorted[19] - sorted[0], 19, 'no gaps');
  });

  it('a transfer added later keeps the loss equal to the sum of the transfers', async () => {
    const c = (
      await t
        .http()
        .get(`/api/v1/cases/${caseId}`)
        .set(await as(USERS.officer))
    ).body;
    await t
      .http()
      .post(`/api/v1/cases/${caseId}/transfers`)
      .set(await as(USERS.officer))
      .send({
        victimId: c.victims[1].id,
        identifierId: c.identifiers[0].id,
        amountFen: 100,
        transferredAt: '2026-11-20T16:00:00+08:00',
        channel: 'bank_transfer',
      })
      .expect(201);
    const after = (
      await t
        .http()
        .get(`/api/v1/cases/${caseId}`)
        .set(await as(USERS.officer))
    ).body;
    assert.equal(after.lossFen, 6_234_667);
    const [{ sum }] = (await t.db.query(
      'SELECT sum(amount_fen)::text AS sum FROM victim_transfers WHERE case_id = $1',
      [caseId],
    )) as { sum: string }[];
    assert.equal(String(after.lossFen), sum);
  });

  it('a second case naming the same card shares the identifier row, but what each case says stays its own', async () => {
    const second = await t
      .http()
      .post('/api/v1/cases')
      .set(await as(USERS.officer))
      .send(
        newCase({
          victims: [],
          transfers: [],
          identifiers: [
            { kind: 'bank_card', value: '6222021234567890128', role: 'other', note: '另案线索' },
          ],
        }),
      )
      .expect(201);
    const [{ n }] = (await t.db.query(
      "SELECT count(*)::int AS n FROM identifiers WHERE kind = 'bank_card' AND value = '6222021234567890128'",
    )) as { n: number }[];
    assert.equal(n, 1);
    const first = (
      await t
        .http()
        .get(`/api/v1/cases/${caseId}/identifiers`)
        .set(await as(USERS.officer))
    ).body;
    const card = first.find((i: { kind: string }) => i.kind === 'bank_card');
    assert.equal(card.role, 'receiving_account');
    assert.equal(card.note, null);
    assert.equal(second.body.identifiers[0].note, '另案线索');
  });

  it('an identifier with transfers cannot be unlinked; another can, from this case only', async () => {
    const ids = (
      await t
        .http()
        .get(`/api/v1/cases/${caseId}/identifiers`)
        .set(await as(USERS.officer))
    ).body as { id: string; kind: string }[];
    const card = ids.find((i) => i.kind === 'bank_card')!;
    const wechat = ids.find((i) => i.kind === 'wechat')!;
    await t
      .http()
      .delete(`/api/v1/cases/${caseId}/identifiers/${card.id}`)
      .set(await as(USERS.officer))
      .expect(409);
    const left = await t
      .http()
      .delete(`/api/v1/cases/${caseId}/identifiers/${wechat.id}`)
      .set(await as(USERS.officer))
      .expect(200);
    assert.equal(left.body.length, 2);
    // Unlinked already: the case no longer names it.
    const again = await t
      .http()
      .delete(`/api/v1/cases/${caseId}/identifiers/${wechat.id}`)
      .set(await as(USERS.officer))
      .expect(404);
    assert.match(again.body.message, /does not name that identifier/);
    const [{ n }] = (await t.db.query('SELECT count(*)::int AS n FROM identifiers WHERE id = $1', [
      wechat.id,
    ])) as { n: number }[];
    assert.equal(n, 1, 'the shared row stays');
  });

  it('the workflow moves reported → registered → investigating → suspended → investigating → solved → closed, and the timeline shows it in order with notes', async () => {
    const headers = await as(USERS.officer);
    const steps: [CaseStatus, string][] = [
      ['registered', '经审查符合立案条件'],
      ['investigating', '开展侦查'],
      ['suspended', '嫌疑人身份暂无法查明'],
      ['investigating', '发现新线索'],
      ['solved', '嫌疑人到案'],
      ['closed', '移送起诉'],
    ];
    await t
      .http()
      .post(`/api/v1/cases/${caseId}/notes`)
      .set(headers)
      .send({ body: '已调取涉案银行卡流水。' })
      .expect(201);
    for (const [to, reason] of steps) {
      const res = await t
        .http()
        .post(`/api/v1/cases/${caseId}/transitions`)
        .set(headers)
        .send({ to, reason })
        .expect(200);
      assert.equal(res.body.status, to);
    }
    const timeline = (
      await t.http().get(`/api/v1/cases/${caseId}/timeline`).set(headers).expect(200)
    ).body as { type: string; to?: string; text: string; at: string }[];
    assert.equal(timeline[0].type, 'note');
    assert.deepEqual(
      timeline.filter((e) => e.type === 'transition').map((e) => e.to),
      steps.map(([to]) => to),
    );
    const times = timeline.map((e) => e.at);
    assert.deepEqual(times, [...times].sort());
  });

  it('every transition the workflow does not allow is a 409, from every status', async () => {
    const headers = await as(USERS.officer);
    // Reach each status on a fresh case by the allowed path, then try every other target.
    const pathTo: Record<CaseStatus, CaseStatus[]> = {
      reported: [],
      registered: ['registered'],
      investigating: ['registered', 'investigating'],
      suspended: ['registered', 'investigating', 'suspended'],
      solved: ['registered', 'investigating', 'solved'],
      closed: ['registered', 'investigating', 'solved', 'closed'],
      rejected: ['rejected'],
    };
    for (const from of CASE_STATUSES) {
      const c = await t
        .http()
        .post('/api/v1/cases')
        .set(headers)
        .send(newCase({ victims: [], identifiers: [], transfers: [] }))
        .expect(201);
      for (const step of pathTo[from]) {
        await t
          .http()
          .post(`/api/v1/cases/${c.body.id}/transitions`)
          .set(headers)
          .send({ to: step, reason: 'test' })
          .expect(200);
      }
      for (const to of CASE_STATUSES) {
        if (ALLOWED_TRANSITIONS[from].includes(to)) continue;
        const res = await t
          .http()
          .post(`/api/v1/cases/${c.body.id}/transitions`)
          .set(headers)
          .send({ to, reason: 'test' });
        assert.equal(res.status, 409, `${from} → ${to}`);
      }
    }
  });

  it('lists filter by status, fraud type, loss, dates and summary text, page by cursor, and stay in scope', async () => {
    const headers = await as(USERS.officer);
    await t
      .http()
      .post('/api/v1/cases')
      .set(headers)
      .send(
        newCase({
          fraudType: 'romance',
          summary: '网络婚恋交友诱导投资',
          transfers: [],
          victims: [],
          identifiers: [],
        }),
      )
      .expect(201);
    const romance = (await t.http().get('/api/v1/cases?fraudType=romance').set(headers).expect(200))
      .body.items;
    assert.equal(romance.length, 1);
    assert.equal(
      (await t.http().get('/api/v1/cases?q=婚恋').set(headers).expect(200)).body.items.length,
      1,
    );
    const big = (await t.http().get('/api/v1/cases?minLossFen=6000000').set(headers).expect(200))
      .body.items;
    assert.deepEqual(
      big.map((c: { id: string }) => c.id),
      [caseId],
    );
    assert.equal(
      (await t.http().get('/api/v1/cases?status=closed').set(headers).expect(200)).body.items.some(
        (c: { id: string }) => c.id === caseId,
      ),
      true,
    );
    assert.equal(
      (
        await t
          .http()
          .get('/api/v1/cases?reportedFrom=2027-01-01T00:00:00Z')
          .set(headers)
          .expect(200)
      ).body.items.length,
      0,
    );
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await t
        .http()
        .get(`/api/v1/cases?limit=7${cursor ? `&cursor=${cursor}` : ''}`)
        .set(headers)
        .expect(200);
      for (const c of page.body.items) {
        assert.ok(!seen.has(c.id), 'no case twice');
        seen.add(c.id);
      }
      cursor = page.body.nextCursor;
    } while (cursor);
    const [{ n }] = (await t.db.query('SELECT count(*)::int AS n FROM cases')) as { n: number }[];
    assert.equal(seen.size, n, 'every case of the scope once');
    await t.http().get('/api/v1/cases?minLossFen=-5').set(headers).expect(400);
  });

  it('fraud types list the 2023 codes with Chinese labels and the 2024 rename', async () => {
    const res = await t
      .http()
      .get('/api/v1/fraud-types')
      .set(await as(USERS.community))
      .expect(200);
    const codes = res.body.map((f: { code: string }) => f.code);
    for (const code of [
      'task_rebate',
      'fake_investment',
      'fake_loan',
      'fake_customer_service',
      'impersonate_authorities',
      'fake_credit',
      'fake_shopping',
      'impersonate_acquaintance',
      'game_trade',
      'romance',
      'other',
    ]) {
      assert.ok(codes.includes(code), code);
    }
    const task = res.body.find((f: { code: string }) => f.code === 'task_rebate');
    assert.equal(task.labelZh, '刷单返利');
  });
  it('a case read from memory follows every change: its own at once, another process’s through the database', async () => {
    const headers = await as(USERS.officer);
    const read = async () =>
      (await t.http().get(`/api/v1/cases/${caseId}`).set(headers).expect(200)).body as {
        summary: string;
        victims: { phone: string | null }[];
      };
    await read();
    await read(); // the second read comes from memory
    await t
      .http()
      .patch(`/api/v1/cases/${caseId}`)
      .set(headers)
      .send({ summary: '补充：受害人又转账一笔。' })
      .expect(200);
    assert.equal((await read()).summary, '补充：受害人又转账一笔。', 'its own write, at once');

    // Written straight to the database, as another API process or a migration would.
    await t.db.query(`UPDATE cases SET summary = '另一进程修改的简要案情' WHERE id = $1`, [caseId]);
    await eventually(
      'another process’s change of the case row shows',
      async () => (await read()).summary === '另一进程修改的简要案情',
    );
    await t.db.query(`UPDATE victims SET phone_enc = NULL WHERE case_id = $1`, [caseId]);
    await eventually('a change of a victim row shows', async () =>
      (await read()).victims.every((v) => v.phone === null),
    );
    // Moved out of the officer's scope: the view in memory is not shown to him any more.
    const [{ id: other }] = (await t.db.query(`SELECT id FROM units WHERE code = 'GY-NM'`)) as {
      id: string;
    }[];
    const [{ unit_id: home }] = (await t.db.query('SELECT unit_id FROM cases WHERE id = $1', [
      caseId,
    ])) as { unit_id: string }[];
    await t.db.query('UPDATE cases SET unit_id = $2 WHERE id = $1', [caseId, other]);
    await eventually('a case moved out of scope is a 404', async () => {
      const res = await t.http().get(`/api/v1/cases/${caseId}`).set(headers);
      return res.status === 404;
    });
    await t.db.query('UPDATE cases SET unit_id = $2 WHERE id = $1', [caseId, home]);
    await eventually('and back in scope, shown again', async () => {
      const res = await t.http().get(`/api/v1/cases/${caseId}`).set(headers);
      return res.status === 200;
    });
  });
});
