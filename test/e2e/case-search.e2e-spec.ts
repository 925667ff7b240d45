import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { bootApp, TestApp, USERS } from '../harness.js';
import { citizenId } from '../builders.js';

/** Ends in X: the search must find it from a lower-case x. */
const X_ID = citizenId('52010219850612346');
const OTHER_ID = citizenId('52010319900203122');

function newCase(victim: Record<string, unknown>, summary = '被诱导刷单返利，向对方银行卡转账。') {
  return {
    fraudType: 'task_rebate',
    summary,
    reportedAt: '2026-11-21T09:30:00+08:00',
    victims: [{ name: '张三', ...victim }],
  };
}

describe('POST /cases/search: how police look a case up', () => {
  let t: TestApp;
  const as = async (user: string) => ({ authorization: `Bearer ${await t.token(user)}` });
  const search = async (user: string, body: object) =>
    t
      .http()
      .post('/api/v1/cases/search')
      .set(await as(user))
      .send(body);
  const ids = (res: { body: { items: { id: string }[] } }) =>
    res.body.items.map((c) => c.id).sort();

  /** Yunyan's brigade (GY-YY-WA): the victim with the X ID number and a phone. */
  let yunyan: { id: string; caseNo: string };
  /** Nanming's station (GY-NM-HX): another victim. */
  let nanming: { id: string; caseNo: string };

  beforeAll(async () => {
    t = await bootApp('postgres');
    const file = async (user: string, body: object) =>
      (
        await t
          .http()
          .post('/api/v1/cases')
          .set(await as(user))
          .send(body)
          .expect(201)
      ).body as { id: string; caseNo: string };
    yunyan = await file(USERS.officer, newCase({ idNumber: X_ID, phone: '13812345678' }));
    nanming = await file(
      USERS.officerNanming,
      newCase({ idNumber: OTHER_ID, phone: '13987654321' }),
    );
  });
  afterAll(() => t.close());

  it('finds a case by its whole number, in lower case with spaces, and by its beginning', async () => {
    const exact = await search(USERS.officer, { caseNo: yunyan.caseNo });
    assert.equal(exact.status, 200, JSON.stringify(exact.body));
    assert.deepEqual(ids(exact), [yunyan.id]);
    const sloppy = await search(USERS.officer, {
      caseNo: ` ${yunyan.caseNo.toLowerCase().replace('-2026', ' -2026')} `,
    });
    assert.deepEqual(ids(sloppy), [yunyan.id]);
    const prefix = await search(USERS.admin, { caseNo: 'gy-' });
    assert.deepEqual(ids(prefix), [yunyan.id, nanming.id].sort());
  });

  it('finds a case by a victim’s ID number written with a lower-case x and spaces', async () => {
    const written = `${X_ID.slice(0, 6)} ${X_ID.slice(6, 14)} ${X_ID.slice(14).toLowerCase()}`;
    const res = await search(USERS.officer, { idNumber: written });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(ids(res), [yunyan.id]);
    // Summaries, masked like the case list: no victims, no PII.
    assert.equal(res.body.items[0].caseNo, yunyan.caseNo);
    assert.equal(res.body.items[0].victims, undefined);
    assert.ok(!JSON.stringify(res.body).includes(X_ID));
  });

  it('finds a case by a victim’s phone written +86 138-1234-5678', async () => {
    const res = await search(USERS.officer, { phone: '+86 138-1234-5678' });
    assert.equal(res.status, 200);
    assert.deepEqual(ids(res), [yunyan.id]);
    // Every criterion given must match.
    const both = await search(USERS.officer, { phone: '13812345678', caseNo: nanming.caseNo });
    assert.deepEqual(ids(both), []);
  });

  it('an officer of another station finds nothing of another unit’s case', async () => {
    for (const body of [{ idNumber: X_ID }, { phone: '13812345678' }, { caseNo: yunyan.caseNo }]) {
      const res = await search(USERS.officerNanming, body);
      assert.equal(res.status, 200);
      assert.deepEqual(ids(res), [], JSON.stringify(body));
    }
    // Yunyan sub-bureau's supervisor (above the brigade) finds it, and an admin.
    assert.deepEqual(ids(await search(USERS.supervisorYunyan, { idNumber: X_ID })), [yunyan.id]);
    assert.deepEqual(ids(await search(USERS.admin, { idNumber: X_ID })), [yunyan.id]);
  });

  it('pages through results with limit and cursor, without duplicates', async () => {
    const first = await search(USERS.admin, { caseNo: 'GY', limit: 1 });
    assert.equal(first.body.items.length, 1);
    assert.ok(first.body.nextCursor);
    const second = await search(USERS.admin, {
      caseNo: 'GY',
      limit: 1,
      cursor: first.body.nextCursor,
    });
    assert.equal(second.body.items.length, 1);
    assert.equal(second.body.nextCursor, null);
    assert.deepEqual([...ids(first), ...ids(second)].sort(), [yunyan.id, nanming.id].sort());
  });

  it('each search by ID number or phone leaves an audit row without the ID number or phone', async () => {
    const requestId = `search-${Date.now()}`;
    const res = await t
      .http()
      .post('/api/v1/cases/search')
      .set(await as(USERS.officer))
      .set('x-request-id', requestId)
      .send({ idNumber: X_ID.toLowerCase(), phone: '138 1234 5678' });
    assert.deepEqual(ids(res), [yunyan.id]);
    const rows = (await t.db.query(
      'SELECT action, entity, actor_role, details, details::text AS raw FROM audit_events WHERE client_request_id = $1',
      [requestId],
    )) as {
      action: string;
      entity: string;
      actor_role: string;
      details: Record<string, unknown>;
      raw: string;
    }[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0].action, 'case.search_pii');
    assert.equal(rows[0].actor_role, 'officer');
    assert.deepEqual(rows[0].details.criteria, ['idNumber', 'phone']);
    assert.equal(rows[0].details.results, 1);
    assert.deepEqual(rows[0].details.caseIds, [yunyan.id]);
    for (const pii of [X_ID, X_ID.slice(0, 17), '13812345678', '1234 5678', '138'])
      assert.ok(!rows[0].raw.includes(pii), `audit details hold ${pii}`);
    // A search by case number alone reads no PII: not audited as one.
    const [{ n: before }] = (await t.db.query(
      "SELECT count(*)::int AS n FROM audit_events WHERE action = 'case.search_pii'",
    )) as { n: number }[];
    await search(USERS.officer, { caseNo: yunyan.caseNo });
    const [{ n: after }] = (await t.db.query(
      "SELECT count(*)::int AS n FROM audit_events WHERE action = 'case.search_pii'",
    )) as { n: number }[];
    assert.equal(after, before);
  });

  it('400 for an empty body, and for an invalid ID number or phone, naming the field and not echoing it', async () => {
    const empty = await search(USERS.officer, {});
    assert.equal(empty.status, 400);
    assert.deepEqual(
      empty.body.details.map((d: { field: string }) => d.field),
      ['body'],
    );
    const onlyPaging = await search(USERS.officer, { limit: 5 });
    assert.equal(onlyPaging.status, 400);

    const badId = '520102198506123418'; // wrong check digit
    const id = await search(USERS.officer, { idNumber: badId });
    assert.equal(id.status, 400);
    assert.deepEqual(
      id.body.details.map((d: { field: string }) => d.field),
      ['idNumber'],
    );
    assert.ok(!JSON.stringify(id.body).includes(badId));

    const phone = await search(USERS.officer, { phone: '+86 12345' });
    assert.equal(phone.status, 400);
    assert.deepEqual(
      phone.body.details.map((d: { field: string }) => d.field),
      ['phone'],
    );
    assert.ok(!JSON.stringify(phone.body).includes('12345'));

    const unknown = await search(USERS.officer, { name: '张三' });
    assert.equal(unknown.status, 400);
  });

  it('bank liaisons and community police may not search cases (403)', async () => {
    for (const user of [USERS.icbc, USERS.community]) {
      const res = await search(user, { caseNo: yunyan.caseNo });
      assert.equal(res.status, 403, user);
    }
  });
});
