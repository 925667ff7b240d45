import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Response } from 'supertest';
import { flag, newCase } from '../builders.js';
import { bootApp, TestApp, USERS } from '../harness.js';

/** `n` empty objects in an array: the hostile body at 2,000,000 (6 MB, docs/PERFORMANCE.md). */
const emptyObjects = (n: number) => `[${'{},'.repeat(n - 1)}{}]`;
const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

function assertRefused(res: Response, status: number, field: string, problem: RegExp): void {
  assert.equal(res.status, status, `${res.status} ${res.text.slice(0, 300)}`);
  assert.deepEqual(Object.keys(res.body as object).sort(), [
    'details',
    'error',
    'message',
    'requestId',
    'statusCode',
  ]);
  assert.equal(res.body.statusCode, status);
  const details = res.body.details as { field: string; problem: string }[];
  assert.ok(
    details.some((d) => d.field === field && problem.test(d.problem)),
    JSON.stringify(details),
  );
}

describe('bounded request bodies', () => {
  let t: TestApp;
  const as = async (username: string) => ({
    authorization: `Bearer ${await t.token(username)}`,
  });
  const postJson = (url: string, text: string, headers: Record<string, string> = {}) =>
    t.http().post(url).set(headers).set('content-type', 'application/json').send(text);

  beforeAll(async () => {
    t = await bootApp('postgres');
  });
  afterAll(() => t.close());

  it('a 6 MB login body of 2,000,000 empty objects is refused with 413 before it is read', async () => {
    const objects = emptyObjects(2_000_000);
    for (const body of [objects, `{"username":${objects},"password":"x"}`]) {
      const res = await postJson('/api/v1/auth/login', body);
      assertRefused(res, 413, 'body', /too large/);
    }
    // And the server is still there for everyone else.
    assert.equal((await t.http().get('/health')).status, 200);
  });

  it('an array of more than 1,000 items within the size limit is a 400 naming where it is', async () => {
    const objects = emptyObjects(20_000);
    assertRefused(await postJson('/api/v1/auth/login', objects), 400, 'body', /at most 1000 items/);
    assertRefused(
      await postJson('/api/v1/auth/login', `{"password":"x","username":${objects}}`),
      400,
      'username',
      /at most 1000 items/,
    );
    const ids = Array.from({ length: 1001 }, () => '00000000-0000-4000-8000-000000000000');
    const res = await t
      .http()
      .post('/api/v1/ceremonies/00000000-0000-4000-8000-000000000000/allocations')
      .set(await as(USERS.supervisor))
      .send({ allocationIds: ids });
    assertRefused(res, 400, 'allocationIds', /at most 1000 items/);
  });

  it('JSON nested 4,000 levels deep is a 400, not a 500', async () => {
    assertRefused(
      await postJson('/api/v1/auth/login', nested(4000)),
      400,
      'body',
      /nested deeper than 32/,
    );
    assertRefused(
      await postJson('/api/v1/auth/login', `{"username":${nested(4000)},"password":"x"}`),
      400,
      'body',
      /nested deeper than 32/,
    );
    const deep = `{"victims":[${'{"name":'.repeat(4000)}"x"${'}'.repeat(4000)}]}`;
    assertRefused(
      await postJson('/api/v1/cases', deep, await as(USERS.officer)),
      400,
      'body',
      /nested deeper than 32/,
    );
  });

  it('an array longer than its DTO allows is a 400 naming the field', async () => {
    const ids = Array.from(
      { length: 501 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const res = await t
      .http()
      .post('/api/v1/warnings')
      .set(await as(USERS.supervisor))
      .send({
        title: '警惕刷单返利',
        body: '正文',
        fraudType: 'task_rebate',
        severity: 'severe',
        targetUnitIds: ids,
      });
    assertRefused(res, 400, 'targetUnitIds', /no more than 500/);
  });

  it('a body over its route’s limit is a 413; the routes that need more take more', async () => {
    const officer = await as(USERS.officer);
    const created = await t.http().post('/api/v1/cases').set(officer).send(newCase()).expect(201);
    const note = (chars: number) =>
      t
        .http()
        .post(`/api/v1/cases/${created.body.id as string}/notes`)
        .set(officer)
        .send({ body: '笔'.repeat(chars) });
    // 10,000 characters escaped as \uXXXX are 60 kB: over the default, within the notes route's.
    const escaped = `{"body":"${'\\u7b14'.repeat(10_000)}"}`;
    const ok = await postJson(`/api/v1/cases/${created.body.id as string}/notes`, escaped, officer);
    assert.equal(ok.status, 201, ok.text);
    assertRefused(await note(50_000), 413, 'body', /too large/);
    // A unit is an ordinary write: 64 KiB.
    const unit = await t
      .http()
      .post('/api/v1/units')
      .set(await as(USERS.admin))
      .send({ kind: 'bank', code: 'BIG', name: '行'.repeat(30_000) });
    assertRefused(unit, 413, 'body', /too large/);
  });

  it('a route with a raised limit reads a large body only from a caller with valid credentials', async () => {
    const body = `{"flags":${emptyObjects(60_000)}}`;
    const anonymous: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-token' }];
    for (const headers of anonymous) {
      const res = await postJson('/api/v1/transfer-flags', body, headers);
      assert.equal(res.status, 401, res.text.slice(0, 300));
      assert.equal(res.body.requestId, res.headers['x-request-id']);
      assert.equal(res.headers.connection, 'close');
    }
    assertRefused(
      await postJson('/api/v1/transfer-flags', body, await as(USERS.icbc)),
      400,
      'flags',
      /at most 10000 items/,
    );
  });

  it('a batch of 10,000 valid flags is still accepted', async () => {
    const flags = Array.from({ length: 10_000 }, (_, i) =>
      flag(`BOUNDS-${i}`, { payeeAccount: `6230 0000 ${String(i).padStart(8, '0')}` }),
    );
    const res = await t
      .http()
      .post('/api/v1/transfer-flags')
      .set(await as(USERS.icbc))
      .send({ flags });
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assert.equal(res.body.totals.received, 10_000);
    assert.equal(res.body.totals.created, 10_000, JSON.stringify(res.body.items[0]));
  });

  it('an empty body sent as application/json is an empty object, so action endpoints answer', async () => {
    const admin = await as(USERS.admin);
    const icbc = (
      (await t.db.query("SELECT id FROM units WHERE kind = 'bank' LIMIT 1")) as { id: string }[]
    )[0].id;
    const key = await t
      .http()
      .post('/api/v1/api-keys')
      .set(admin)
      .send({ unitId: icbc, name: 'empty body' })
      .expect(201);
    const res = await postJson(`/api/v1/api-keys/${key.body.id as string}/revoke`, '', admin);
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.revokedAt);
    // A DTO with required fields still says which are missing.
    assertRefused(await postJson('/api/v1/auth/login', ''), 400, 'username', /./);
  });
});
