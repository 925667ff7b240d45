import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Response } from 'supertest';
import { bootApp, TestApp, USERS } from '../harness.js';

interface EventDto {
  id: string;
  occurredAt: string;
  actorId: string | null;
  actorName: string | null;
  actorRole: string | null;
  actorUnitId: string | null;
  action: string;
  entity: string;
  entityId: string | null;
  clientRequestId: string | null;
  details: Record<string, unknown>;
}

/** supertest parser: the body as one UTF-8 string (BOM kept). */
function text(r: Response, cb: (err: Error | null, body: string) => void): void {
  const chunks: Buffer[] = [];
  r.on('data', (c: Buffer) => chunks.push(c));
  r.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
}

const EVIL = '=HYPERLINK("http://evil.example/x","点我")';

function newCase(summary: string) {
  return {
    fraudType: 'task_rebate',
    summary,
    reportedAt: '2026-11-21T09:30:00+08:00',
    victims: [{ name: '张三', idNumber: '11010519491231002X', phone: '13812345678' }],
  };
}

describe('GET /audit-events: the audit trail can be read', () => {
  let t: TestApp;
  const as = async (user: string) => ({ authorization: `Bearer ${await t.token(user)}` });
  const events = async (user: string, query: Record<string, string | number>) =>
    t
      .http()
      .get('/api/v1/audit-events')
      .query(query)
      .set(await as(user));
  const unitId = async (code: string) =>
    ((await t.db.query('SELECT id FROM units WHERE code = $1', [code])) as { id: string }[])[0].id;

  let yunyanCase: { id: string; victims: { id: string }[] };
  let nanmingCase: { id: string };
  let revealedAt: { before: string; after: string };

  beforeAll(async () => {
    t = await bootApp('postgres');
    const file = async (user: string, summary: string) =>
      (
        await t
          .http()
          .post('/api/v1/cases')
          .set(await as(user))
          .send(newCase(summary))
          .expect(201)
      ).body;
    yunyanCase = await file(USERS.officer, '刷单返利');
    nanmingCase = await file(USERS.officerNanming, '冒充客服');
    const before = new Date(Date.now() - 1000).toISOString();
    await t
      .http()
      .get(`/api/v1/cases/${yunyanCase.id}?reveal=pii`)
      .set(await as(USERS.officer))
      .set('x-request-id', 'reveal-yunyan')
      .expect(200);
    revealedAt = { before, after: new Date(Date.now() + 1000).toISOString() };
    await t
      .http()
      .get(`/api/v1/cases/${nanmingCase.id}?reveal=pii`)
      .set(await as(USERS.officerNanming))
      .expect(200);
  });
  afterAll(() => t.close());

  it('an admin finds who revealed a victim’s PII, when and from where, by case id and time', async () => {
    const res = await events(USERS.admin, {
      action: 'victim.pii_read',
      entity: 'case',
      entityId: yunyanCase.id,
      from: revealedAt.before,
      to: revealedAt.after,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const items = res.body.items as EventDto[];
    assert.equal(items.length, 1);
    assert.equal(items[0].actorName, USERS.officer);
    assert.equal(items[0].actorRole, 'officer');
    assert.equal(items[0].clientRequestId, 'reveal-yunyan');
    assert.ok(typeof (items[0] as unknown as { ip: unknown }).ip === 'string');
    assert.deepEqual(items[0].details.victimIds, [yunyanCase.victims[0].id]);
    // Outside the time range: nothing.
    const later = await events(USERS.admin, {
      action: 'victim.pii_read',
      entityId: yunyanCase.id,
      from: revealedAt.after,
    });
    assert.deepEqual(later.body.items, []);
    // By who: the same event by username.
    const byName = await events(USERS.admin, {
      actorUsername: USERS.officer,
      action: 'victim.pii_read',
    });
    assert.deepEqual(
      (byName.body.items as EventDto[]).map((e) => e.id),
      [items[0].id],
    );
  });

  it('an action ending in a dot is a prefix: case. finds case.create, not victim.pii_read', async () => {
    const res = await events(USERS.admin, { action: 'case.' });
    const actions = new Set((res.body.items as EventDto[]).map((e) => e.action));
    assert.ok(actions.has('case.create'));
    assert.ok(
      [...actions].every((a) => a.startsWith('case.')),
      [...actions].join(),
    );
  });

  it('a sub-bureau supervisor reads the events of their subtree only', async () => {
    const yunyan = await unitId('GY-YY');
    const subtree = new Set(
      (
        (await t.db.query(
          "SELECT id FROM units WHERE path LIKE (SELECT path FROM units WHERE id = $1) || '%'",
          [yunyan],
        )) as { id: string }[]
      ).map((u) => u.id),
    );
    const res = await events(USERS.supervisorYunyan, { action: 'victim.pii_read', limit: 200 });
    assert.equal(res.status, 200);
    const items = res.body.items as EventDto[];
    assert.deepEqual(
      items.map((e) => e.entityId),
      [yunyanCase.id],
    );
    const all = await events(USERS.supervisorYunyan, { limit: 200 });
    assert.ok(all.body.items.length > 0);
    for (const e of all.body.items as EventDto[])
      assert.ok(e.actorUnitId && subtree.has(e.actorUnitId), `${e.action} of ${e.actorName}`);
    const nanming = await events(USERS.supervisorYunyan, { actorUsername: USERS.officerNanming });
    assert.deepEqual(nanming.body.items, []);
    // The admin's own acts (no unit below Yunyan) are not theirs to read either.
    const admin = await events(USERS.supervisorYunyan, { actorUsername: USERS.admin });
    assert.deepEqual(admin.body.items, []);
  });

  it('officers, bank liaisons and community police may not read the audit trail (403)', async () => {
    for (const user of [USERS.officer, USERS.icbc, USERS.community]) {
      const res = await events(user, {});
      assert.equal(res.status, 403, user);
    }
  });

  it('400 naming the field for a time that is not RFC 3339, a bad action or cursor', async () => {
    const from = await events(USERS.admin, { from: '2026-11-21' });
    assert.equal(from.status, 400);
    assert.deepEqual(
      from.body.details.map((d: { field: string }) => d.field),
      ['from'],
    );
    const action = await events(USERS.admin, { action: "case'; --" });
    assert.deepEqual(
      action.body.details.map((d: { field: string }) => d.field),
      ['action'],
    );
    const cursor = await events(USERS.admin, {
      cursor: Buffer.from('["x","y"]').toString('base64url'),
    });
    assert.equal(cursor.status, 400);
    assert.deepEqual(
      cursor.body.details.map((d: { field: string }) => d.field),
      ['cursor'],
    );
    const csvCursor = await events(USERS.admin, { format: 'csv', cursor: 'nonsense' });
    assert.equal(csvCursor.status, 400);
  });

  it('pages through every event, newest first, without duplicates or gaps', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await events(USERS.admin, { limit: 7, ...(cursor ? { cursor } : {}) });
      assert.equal(res.status, 200);
      seen.push(...(res.body.items as EventDto[]).map((e) => e.id));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    const ids = (
      (await t.db.query('SELECT id::text AS id FROM audit_events a ORDER BY a.id DESC')) as {
        id: string;
      }[]
    ).map((r) => r.id);
    // Reading the trail writes none, so the rows are the same before and after.
    assert.deepEqual(seen, ids);
  });

  it('CSV: BOM, Chinese headers, one row per event, formulas in names and summaries defused', async () => {
    const created = await t
      .http()
      .post('/api/v1/users')
      .set(await as(USERS.admin))
      .send({
        username: 'evil.officer',
        displayName: EVIL,
        password: 'a-good-password',
        role: 'officer',
        unitId: await unitId('GY-YY-WA'),
      })
      .expect(201);
    const token = await t.token('evil.officer', 'a-good-password');
    await t
      .http()
      .post('/api/v1/cases')
      .set('authorization', `Bearer ${token}`)
      .send(newCase(EVIL))
      .expect(201);

    const res = await t
      .http()
      .get('/api/v1/audit-events')
      .query({ format: 'csv', actorId: created.body.id })
      .set(await as(USERS.admin))
      .buffer(true)
      .parse(text);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/csv; charset=utf-8/);
    assert.match(
      String(res.headers['content-disposition']),
      /attachment; filename="audit-events\.csv"/,
    );
    const csv = res.body as string;
    assert.ok(csv.startsWith('\ufeff编号,时间（北京时间）,'), csv.slice(0, 40));
    const lines = csv.slice(1).split('\r\n').filter(Boolean);
    const [, ...rows] = lines;
    // The case it filed (its login is recorded before anyone is signed in).
    assert.equal(rows.length, 1, csv);
    assert.ok(rows[0].includes(',case.create,'));
    // The display name is there, as text: a leading ' and quoted.
    assert.ok(csv.includes(`"'=HYPERLINK(""http://evil.example/x"",""点我"")"`), csv);
    for (const l of rows)
      for (const cell of l.split(',')) assert.ok(!/^"?[=+@]/.test(cell), `live formula in ${cell}`);
  });

  it('CSV of everything: one row per event, newest first', async () => {
    const res = await t
      .http()
      .get('/api/v1/audit-events')
      .query({ format: 'csv' })
      .set(await as(USERS.admin))
      .buffer(true)
      .parse(text);
    assert.equal(res.status, 200);
    const ids = (res.body as string)
      .split('\r\n')
      .filter(Boolean)
      .slice(1)
      .map((l) => l.split(',')[0]);
    const rows = (await t.db.query(
      'SELECT id::text AS id FROM audit_events a ORDER BY a.id DESC',
    )) as { id: string }[];
    assert.deepEqual(
      ids,
      rows.map((r) => r.id),
    );
  });

  it('CSV of a supervisor holds their subtree only', async () => {
    const res = await t
      .http()
      .get('/api/v1/audit-events')
      .query({ format: 'csv', action: 'victim.pii_read' })
      .set(await as(USERS.supervisorYunyan))
      .buffer(true)
      .parse(text);
    assert.equal(res.status, 200);
    const rows = (res.body as string).split('\r\n').filter(Boolean).slice(1);
    assert.equal(rows.length, 1);
    assert.ok(rows[0].includes(yunyanCase.id));
    assert.ok(!(res.body as string).includes(nanmingCase.id));
  });
});
