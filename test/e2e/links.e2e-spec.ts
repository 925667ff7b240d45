import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { bootApp, TestApp, USERS } from '../harness.js';

/** The shared values, as the cases store them (normalized). */
const CARD = '6222021234567890128';
const PHONE = '13800001111';

interface Step {
  type: 'identifier' | 'case';
  visible: boolean;
  id: string | null;
  kind?: string | null;
  value?: string | null;
  caseNo?: string | null;
  unit?: { id: string; name: string };
}

interface Linked {
  id: string | null;
  visible: boolean;
  unit: { id: string; name: string };
  depth: number;
  path: Step[];
  caseNo?: string;
  summary?: string;
}

interface Links {
  caseId: string;
  caseNo: string;
  depth: number;
  linked: Linked[];
  limit: number;
  truncated: boolean;
}

interface Filed {
  id: string;
  caseNo: string;
}

function newCase(summary: string, body: Record<string, unknown>) {
  return {
    fraudType: 'task_rebate',
    summary,
    reportedAt: '2026-11-21T09:30:00+08:00',
    ...body,
  };
}

/** The path as short labels, e.g. ['bank_card:6222…', 'case:GY-…'], for readable assertions. */
const labels = (path: Step[]) =>
  path.map((s) =>
    s.type === 'identifier'
      ? `${s.kind ?? 'hidden'}:${s.value ?? 'hidden'}`
      : `case:${s.visible ? s.caseNo : 'hidden'}`,
  );

describe('linked cases (串并案) and identifier lookup', () => {
  let t: TestApp;
  const as = async (user: string) => ({ authorization: `Bearer ${await t.token(user)}` });
  /** A: the card; B: the card and a phone; C: only the phone; D: nothing shared; E: the phone, elsewhere. */
  const c: Record<'A' | 'B' | 'C' | 'D' | 'E', Filed> = {} as Record<
    'A' | 'B' | 'C' | 'D' | 'E',
    Filed
  >;

  const file = async (user: string, body: Record<string, unknown>): Promise<Filed> => {
    const res = await t
      .http()
      .post('/api/v1/cases')
      .set(await as(user))
      .send(body)
      .expect(201);
    return { id: res.body.id as string, caseNo: res.body.caseNo as string };
  };
  const links = async (user: string, id: string, query = ''): Promise<Links> =>
    (
      await t
        .http()
        .get(`/api/v1/cases/${id}/links${query}`)
        .set(await as(user))
        .expect(200)
    ).body as Links;

  beforeAll(async () => {
    t = await bootApp('postgres');
    c.A = await file(
      USERS.officer,
      newCase('刷单返利：受害人向对方银行卡转账。', {
        victims: [{ name: '张三' }],
        identifiers: [
          { kind: 'bank_card', value: CARD, bankName: '中国工商银行', role: 'receiving_account' },
        ],
        transfers: [
          {
            victimIndex: 0,
            identifierIndex: 0,
            amountFen: 1_000_000,
            transferredAt: '2026-11-20T14:05:00+08:00',
            channel: 'bank_transfer',
          },
        ],
      }),
    );
    c.B = await file(
      USERS.officer,
      newCase('虚假投资：同一张卡，另留联系电话。', {
        victims: [{ name: '李四' }],
        identifiers: [
          { kind: 'bank_card', value: '6222-0212-3456-7890-128', role: 'receiving_account' },
          { kind: 'phone', value: '+86 138 0000 1111', role: 'contact_phone' },
        ],
        transfers: [
          {
            victimIndex: 0,
            identifierIndex: 0,
            amountFen: 250_000,
            transferredAt: '2026-11-19T10:00:00+08:00',
            channel: 'bank_transfer',
          },
          {
            victimIndex: 0,
            identifierIndex: 0,
            amountFen: 4_321,
            transferredAt: '2026-11-19T11:00:00+08:00',
            channel: 'bank_transfer',
          },
        ],
      }),
    );
    c.C = await file(
      USERS.officer,
      newCase('冒充客服：只留了同一个电话。', {
        identifiers: [{ kind: 'phone', value: '138-0000-1111', role: 'contact_phone' }],
      }),
    );
    c.D = await file(
      USERS.officer,
      newCase('网络婚恋：与其他案件无共同标识。', {
        identifiers: [{ kind: 'wechat', value: 'Lonely_Heart_77', role: 'contact_account' }],
      }),
    );
  });
  afterAll(() => t.close());

  it('at depth 1, A is linked to B through the shared card, and to nothing else', async () => {
    const res = await links(USERS.officer, c.A.id, '?depth=1');
    assert.equal(res.caseId, c.A.id);
    assert.equal(res.caseNo, c.A.caseNo);
    assert.equal(res.depth, 1);
    assert.equal(res.truncated, false);
    assert.deepEqual(
      res.linked.map((l) => l.id),
      [c.B.id],
    );
    const [b] = res.linked;
    assert.equal(b.depth, 1);
    assert.equal(b.visible, true);
    assert.equal(b.caseNo, c.B.caseNo);
    assert.equal(b.unit.name, '云岩分局网安大队');
    assert.deepEqual(labels(b.path), [`bank_card:${CARD}`, `case:${c.B.caseNo}`]);
    assert.equal(b.path[1].id, c.B.id);
  });

  it('at depth 2 (the default), C is linked through B and the phone; D is never linked', async () => {
    for (const query of ['?depth=2', '']) {
      const res = await links(USERS.officer, c.A.id, query);
      assert.equal(res.depth, 2);
      assert.deepEqual(
        res.linked.map((l) => [l.id, l.depth]),
        [
          [c.B.id, 1],
          [c.C.id, 2],
        ],
      );
      const linkedC = res.linked[1];
      assert.deepEqual(labels(linkedC.path), [
        `bank_card:${CARD}`,
        `case:${c.B.caseNo}`,
        `phone:${PHONE}`,
        `case:${c.C.caseNo}`,
      ]);
      assert.deepEqual(
        linkedC.path.map((s) => s.type),
        ['identifier', 'case', 'identifier', 'case'],
      );
    }
  });

  it('at depth 3 the answer is the same: nothing lies further', async () => {
    const two = await links(USERS.officer, c.A.id, '?depth=2');
    const three = await links(USERS.officer, c.A.id, '?depth=3');
    assert.equal(three.depth, 3);
    assert.deepEqual(three.linked, two.linked);
  });

  it('a case that shares nothing has no links', async () => {
    const res = await links(USERS.officer, c.D.id, '?depth=3');
    assert.deepEqual(res.linked, []);
    assert.equal(res.truncated, false);
  });

  it('a depth outside 1..3 is a 400 naming depth', async () => {
    for (const depth of ['0', '4', '-1', '1.5', 'two']) {
      const res = await t
        .http()
        .get(`/api/v1/cases/${c.A.id}/links?depth=${depth}`)
        .set(await as(USERS.officer))
        .expect(400);
      assert.ok(
        (res.body.details as { field: string }[]).some((d) => d.field === 'depth'),
        `depth=${depth}: ${JSON.stringify(res.body)}`,
      );
    }
  });

  it('an unknown case, or a malformed id, is a 404 or a 400', async () => {
    await t
      .http()
      .get('/api/v1/cases/00000000-0000-4000-8000-000000000000/links')
      .set(await as(USERS.officer))
      .expect(404);
    await t
      .http()
      .get('/api/v1/cases/nope/links')
      .set(await as(USERS.officer))
      .expect(400);
  });

  it('a linked case in another sub-bureau shows only that it exists and its unit', async () => {
    c.E = await file(
      USERS.officerNanming,
      newCase('花溪大道派出所接报：同一联系电话。', {
        identifiers: [
          { kind: 'phone', value: '13800001111', role: 'contact_phone', note: '南明线索' },
        ],
      }),
    );
    const res = await links(USERS.officer, c.A.id, '?depth=2');
    assert.equal(res.linked.length, 3);
    const hidden = res.linked.filter((l) => !l.visible);
    assert.equal(hidden.length, 1);
    const [e] = hidden;
    assert.equal(e.id, null);
    assert.equal(e.unit.name, '南明分局花溪大道派出所');
    assert.equal(e.depth, 2);
    for (const key of [
      'caseNo',
      'summary',
      'status',
      'fraudType',
      'lossFen',
      'reportedAt',
      'identifiers',
    ]) {
      assert.ok(!(key in e), `no ${key} for a case out of scope`);
    }
    assert.deepEqual(labels(e.path), [
      `bank_card:${CARD}`,
      `case:${c.B.caseNo}`,
      `phone:${PHONE}`,
      'case:hidden',
    ]);
    assert.deepEqual(e.path[3], {
      type: 'case',
      visible: false,
      id: null,
      caseNo: null,
      unit: e.unit,
    });
    const dump = JSON.stringify(res);
    for (const secret of [c.E.id, c.E.caseNo, '花溪大道派出所接报', '南明线索']) {
      assert.ok(!dump.includes(secret), `${secret} does not appear`);
    }
  });

  it('the officer of the other sub-bureau sees the chain only through what he may see', async () => {
    await t
      .http()
      .get(`/api/v1/cases/${c.A.id}/links`)
      .set(await as(USERS.officerNanming))
      .expect(404);
    const res = await links(USERS.officerNanming, c.E.id, '?depth=3');
    assert.deepEqual(
      res.linked.map((l) => [l.visible, l.depth, l.unit.name]),
      [
        [false, 1, '云岩分局网安大队'],
        [false, 1, '云岩分局网安大队'],
        [false, 2, '云岩分局网安大队'],
      ],
    );
    for (const l of res.linked) assert.equal(l.id, null);
    // E → phone → (B) → card → (A): the phone is his own case's; the card lies between two cases he may not see.
    const a = res.linked[2];
    assert.deepEqual(labels(a.path), [
      `phone:${PHONE}`,
      'case:hidden',
      'hidden:hidden',
      'case:hidden',
    ]);
    assert.deepEqual(a.path[2], {
      type: 'identifier',
      visible: false,
      id: null,
      kind: null,
      value: null,
    });
    const dump = JSON.stringify(res);
    for (const secret of [
      CARD,
      c.A.id,
      c.A.caseNo,
      c.B.id,
      c.B.caseNo,
      c.C.id,
      c.C.caseNo,
      '刷单返利',
    ]) {
      assert.ok(!dump.includes(secret), `${secret} does not appear`);
    }
  });

  it('an admin sees every linked case in full', async () => {
    const res = await links(USERS.admin, c.A.id, '?depth=2');
    assert.ok(res.linked.every((l) => l.visible));
    assert.deepEqual(new Set(res.linked.map((l) => l.id)), new Set([c.B.id, c.C.id, c.E.id]));
  });

  it('bank liaisons and community police may not see links or look identifiers up', async () => {
    for (const user of [USERS.icbc, USERS.community]) {
      await t
        .http()
        .get(`/api/v1/cases/${c.A.id}/links`)
        .set(await as(user))
        .expect(403);
      await t
        .http()
        .get(`/api/v1/identifiers/lookup?kind=bank_card&value=${CARD}`)
        .set(await as(user))
        .expect(403);
    }
  });

  it('a lookup of the card written differently finds A and B and the loss traced into it', async () => {
    const res = await t
      .http()
      .get('/api/v1/identifiers/lookup')
      .query({ kind: 'bank_card', value: '6222 0212 3456 7890 128' })
      .set(await as(USERS.officer))
      .expect(200);
    assert.equal(res.body.identifier.value, CARD);
    assert.equal(res.body.identifier.kind, 'bank_card');
    assert.equal(res.body.identifier.bankName, '中国工商银行');
    const cases = res.body.cases as {
      id: string;
      caseNo: string;
      role: string;
      unit: { name: string };
    }[];
    assert.deepEqual(new Set(cases.map((x) => x.id)), new Set([c.A.id, c.B.id]));
    assert.ok(
      cases.every((x) => x.role === 'receiving_account' && x.unit.name === '云岩分局网安大队'),
    );
    assert.equal(res.body.inScopeCaseCount, 2);
    assert.equal(res.body.outOfScopeCaseCount, 0);
    const [{ sum }] = (await t.db.query(
      `SELECT sum(t.amount_fen)::text AS sum FROM victim_transfers t JOIN identifiers i ON i.id = t.identifier_id
       WHERE i.kind = 'bank_card' AND i.value = $1`,
      [CARD],
    )) as { sum: string }[];
    assert.equal(res.body.totalLossFen, 1_000_000 + 250_000 + 4_321);
    assert.equal(String(res.body.totalLossFen), sum);
    assert.equal(res.body.truncated, false);
  });

  it('a lookup by an officer elsewhere counts the cases out of his scope, and only his own cases’ loss', async () => {
    await t
      .http()
      .post(`/api/v1/cases/${c.E.id}/victims`)
      .set(await as(USERS.officerNanming))
      .send({ name: '王五' })
      .expect(201);
    const e = (
      await t
        .http()
        .get(`/api/v1/cases/${c.E.id}`)
        .set(await as(USERS.officerNanming))
        .expect(200)
    ).body;
    await t
      .http()
      .post(`/api/v1/cases/${c.E.id}/transfers`)
      .set(await as(USERS.officerNanming))
      .send({
        victimId: e.victims[0].id,
        identifierId: e.identifiers[0].id,
        amountFen: 66_600,
        transferredAt: '2026-11-21T08:00:00+08:00',
        channel: 'wechat_pay',
      })
      .expect(201);
    const res = await t
      .http()
      .get('/api/v1/identifiers/lookup')
      .query({ kind: 'phone', value: '+86 138-0000-1111' })
      .set(await as(USERS.officerNanming))
      .expect(200);
    assert.equal(res.body.identifier.value, PHONE);
    assert.deepEqual(
      (res.body.cases as { id: string }[]).map((x) => x.id),
      [c.E.id],
    );
    assert.equal(res.body.cases[0].role, 'contact_phone');
    assert.equal(res.body.cases[0].unit.name, '南明分局花溪大道派出所');
    assert.equal(res.body.inScopeCaseCount, 1);
    assert.equal(res.body.outOfScopeCaseCount, 2, 'B and C, in 云岩');
    assert.equal(res.body.totalLossFen, 66_600);
    const dump = JSON.stringify(res.body);
    for (const secret of [c.B.id, c.B.caseNo, c.C.id, c.C.caseNo])
      assert.ok(!dump.includes(secret));
  });

  it('a lookup of an account only other units’ cases name shows their count but none of their loss', async () => {
    const res = await t
      .http()
      .get('/api/v1/identifiers/lookup')
      .query({ kind: 'bank_card', value: CARD })
      .set(await as(USERS.officerNanming))
      .expect(200);
    assert.deepEqual(res.body.cases, []);
    assert.equal(res.body.inScopeCaseCount, 0);
    assert.equal(res.body.outOfScopeCaseCount, 2, 'A and B, in 云岩');
    assert.equal(res.body.totalLossFen, 0);
    // The officer of 云岩 still sees the loss of both.
    const own = await t
      .http()
      .get('/api/v1/identifiers/lookup')
      .query({ kind: 'bank_card', value: CARD })
      .set(await as(USERS.officer))
      .expect(200);
    assert.equal(own.body.totalLossFen, 1_000_000 + 250_000 + 4_321);
  });

  it('an unknown identifier is a 404; a bad value or kind a 400 naming it', async () => {
    const headers = await as(USERS.officer);
    await t
      .http()
      .get('/api/v1/identifiers/lookup')
      .query({ kind: 'bank_card', value: '6222 0000 0000 0000' })
      .set(headers)
      .expect(404);
    const bad = await t
      .http()
      .get('/api/v1/identifiers/lookup')
      .query({ kind: 'bank_card', value: '6222-abc' })
      .set(headers)
      .expect(400);
    assert.deepEqual(
      (bad.body.details as { field: string }[]).map((d) => d.field),
      ['value'],
    );
    assert.match(bad.body.details[0].problem, /digits/);
    const kind = await t
      .http()
      .get('/api/v1/identifiers/lookup')
      .query({ kind: 'telegram', value: 'abc' })
      .set(headers)
      .expect(400);
    assert.deepEqual(
      (kind.body.details as { field: string }[]).map((d) => d.field),
      ['kind'],
    );
    const missing = await t
      .http()
      .get('/api/v1/identifiers/lookup?kind=phone')
      .set(headers)
      .expect(400);
    assert.ok((missing.body.details as { field: string }[]).some((d) => d.field === 'value'));
  });

  it('a cycle (A and B share two identifiers) neither loops nor answers a case twice', async () => {
    for (const id of [c.A.id, c.B.id]) {
      await t
        .http()
        .post(`/api/v1/cases/${id}/identifiers`)
        .set(await as(USERS.officer))
        .send({ kind: 'wechat', value: 'Ring_Of_Two', role: 'contact_account' })
        .expect(201);
    }
    for (const depth of [1, 2, 3]) {
      const res = await links(USERS.admin, c.A.id, `?depth=${depth}`);
      const ids = res.linked.map((l) => l.id);
      assert.equal(new Set(ids).size, ids.length, `depth ${depth}: no case twice`);
      assert.ok(!ids.includes(c.A.id), 'the start case is not linked to itself');
      assert.equal(res.linked[0].id, c.B.id);
      // Two paths of one hop reach B; the first by (kind:value) is the card's.
      assert.deepEqual(labels(res.linked[0].path), [`bank_card:${CARD}`, `case:${c.B.caseNo}`]);
    }
    const fromB = await links(USERS.admin, c.B.id, '?depth=3');
    assert.deepEqual(
      fromB.linked.map((l) => [l.id, l.depth]).sort(),
      [
        [c.A.id, 1],
        [c.C.id, 1],
        [c.E.id, 1],
      ].sort(),
    );
  });

  it('a hub shared by more cases than the limit answers the nearest 500 and says it truncated', async () => {
    const [{ id: unitId }] = (await t.db.query("SELECT id FROM units WHERE code = 'GY-YY-WA'")) as {
      id: string;
    }[];
    const [{ id: hubId }] = (await t.db.query(
      "INSERT INTO identifiers (kind, value) VALUES ('other', '跑分平台收款码') RETURNING id",
    )) as { id: string }[];
    await t.db.query(
      `WITH made AS (
         INSERT INTO cases (case_no, fraud_type, summary, reported_at, unit_id)
         SELECT 'HUB-' || lpad(g::text, 4, '0'), 'task_rebate', '批量', now(), $1
         FROM generate_series(1, 520) g RETURNING id)
       INSERT INTO case_identifiers (case_id, identifier_id, role) SELECT id, $2, 'other' FROM made`,
      [unitId, hubId],
    );
    const start = await file(
      USERS.officer,
      newCase('跑分平台', { identifiers: [{ kind: 'other', value: '跑分平台收款码' }] }),
    );
    const res = await links(USERS.officer, start.id, '?depth=3');
    assert.equal(res.limit, 500);
    assert.equal(res.truncated, true);
    assert.equal(res.linked.length, 500);
    assert.ok(res.linked.every((l) => l.depth === 1));
    const numbers = res.linked.map((l) => l.caseNo ?? '');
    assert.deepEqual(numbers, [...numbers].sort(), 'one path each (the hub), then by case number');
    assert.ok(numbers.every((n) => n.startsWith('HUB-')));
    const lookup = await t
      .http()
      .get('/api/v1/identifiers/lookup')
      .query({ kind: 'other', value: ' 跑分平台收款码 ' })
      .set(await as(USERS.officer))
      .expect(200);
    assert.equal(lookup.body.inScopeCaseCount, 521);
    assert.equal(lookup.body.cases.length, 500);
    assert.equal(lookup.body.truncated, true);
    const small = await links(USERS.officer, c.A.id, '?depth=3');
    assert.equal(small.truncated, false, 'other cases are not affected');
  });
});
