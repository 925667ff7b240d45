import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Response, Test } from 'supertest';
import { bootApp, TestApp, USERS } from '../harness.js';

const bearer = (token: string) => `Bearer ${token}`;

/** The one error shape of docs/ARCHITECTURE.md, with no trace of the server's insides. */
function assertErrorBody(res: Response, status: number, what: string): void {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text}`);
  assert.match(String(res.headers['content-type']), /^application\/json/, what);
  assert.deepEqual(
    Object.keys(res.body as object).sort(),
    ['details', 'error', 'message', 'requestId', 'statusCode'],
    what,
  );
  assert.equal(res.body.statusCode, status, what);
  assert.equal(typeof res.body.error, 'string', what);
  assert.equal(typeof res.body.message, 'string', what);
  assert.ok(Array.isArray(res.body.details), what);
  assert.equal(res.body.requestId, res.headers['x-request-id'], what);
  assertNoInternals(res, what);
}

function assertNoInternals(res: Response, what: string): void {
  assert.ok(res.status < 500, `${what}: ${res.status} ${res.text}`);
  assert.doesNotMatch(res.text, /\n\s+at |node_modules|\.[jt]s:\d+|QueryFailedError|stack/i, what);
}

describe('errors and request ids', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await bootApp('postgres');
    admin = await t.token(USERS.admin);
  });
  afterAll(() => t.close());

  const malformed = (req: Test) => req.set('content-type', 'application/json').send('{"username":');

  it('answers a malformed JSON body with 400 in the error shape, naming the body', async () => {
    const cases: [string, Test][] = [
      ['login', malformed(t.http().post('/api/v1/auth/login'))],
      [
        'create unit',
        malformed(t.http().post('/api/v1/units').set('authorization', bearer(admin))),
      ],
    ];
    for (const [what, req] of cases) {
      const res = await req;
      assertErrorBody(res, 400, what);
      assert.deepEqual(
        (res.body.details as { field: string }[]).map((d) => d.field),
        ['body'],
        what,
      );
    }
  });

  it('answers an empty JSON body with 400 and an unsupported media type with 415', async () => {
    const empty = await t
      .http()
      .post('/api/v1/auth/login')
      .set('content-type', 'application/json')
      .send('');
    assertErrorBody(empty, 400, 'empty body');
    const xml = await t
      .http()
      .post('/api/v1/auth/login')
      .set('content-type', 'application/xml')
      .send('<login/>');
    assertErrorBody(xml, 415, 'xml body');
  });

  it('puts an x-request-id header on every response', async () => {
    const responses = [
      await t.http().get('/health'),
      await t.http().get('/metrics'),
      await t.http().get('/docs-json'),
      await t.http().get('/api/v1/auth/me').set('authorization', bearer(admin)),
      await t.http().get('/api/v1/auth/me'),
      await t
        .http()
        .get('/api/v1/users')
        .set('authorization', bearer(await t.token(USERS.officer))),
      await t.http().get('/api/v1/no-such-thing'),
      await t.http().post('/api/v1/auth/login').send({}),
      await t.http().get('/queues'),
    ];
    const ids = responses.map((r) => r.headers['x-request-id'] as string | undefined);
    responses.forEach((r, i) => assert.ok(ids[i], `response ${i} (${r.status}) has no request id`));
    assert.equal(new Set(ids).size, ids.length, 'each request gets its own id');
  });

  it('answers with its own request id whatever the client sends, and names it as requestId in an error body', async () => {
    const ok = await t.http().get('/health').set('x-request-id', 'abc-123');
    assert.match(ok.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/);

    for (const [what, req] of [
      ['401', t.http().get('/api/v1/auth/me')],
      ['400', t.http().get('/api/v1/units/not-a-uuid').set('authorization', bearer(admin))],
      ['404', t.http().get('/api/v1/no-such-thing')],
    ] as const) {
      const res = await req.set('x-request-id', 'abc-123');
      assert.match(res.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/, what);
      assert.equal(res.body.requestId, res.headers['x-request-id'], what);
    }
  });

  it("records its own request id in the audit log, and the client's beside it", async () => {
    const res = await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-request-id', 'audit-trace-42')
      .send({ username: USERS.officer, password: 'wrong-password-0' });
    assert.equal(res.status, 401);
    const rows = (await t.db.query(
      'SELECT action, client_request_id FROM audit_events WHERE request_id = $1',
      [res.headers['x-request-id']],
    )) as { action: string; client_request_id: string }[];
    assert.deepEqual(rows, [{ action: 'auth.login_failed', client_request_id: 'audit-trace-42' }]);
  });

  it('replaces an x-request-id that is not a short plain token with a fresh one', async () => {
    for (const given of ['a'.repeat(101), 'has spaces', '<script>']) {
      const res = await t.http().get('/api/v1/auth/me').set('x-request-id', given);
      const id = res.headers['x-request-id'] as string;
      assert.notEqual(id, given);
      assert.match(id, /^[0-9a-f-]{36}$/);
      assert.equal(res.body.requestId, id);
    }
  });

  it('answers an unknown route or method with 404 in the error shape', async () => {
    assertErrorBody(await t.http().get('/api/v1/no-such-thing'), 404, 'unknown api route');
    assertErrorBody(await t.http().get('/no-such-thing'), 404, 'unknown route');
    assertErrorBody(
      await t.http().delete('/api/v1/units').set('authorization', bearer(admin)),
      404,
      'unknown method',
    );
  });

  it('never answers bad input with a 500 or a stack trace', async () => {
    const login = () => t.http().post('/api/v1/auth/login');
    const asAdmin = (req: Test) => req.set('authorization', bearer(admin));
    const json = (req: Test, text: string) =>
      req.set('content-type', 'application/json').send(text);
    const cases: [string, Test][] = [
      ['malformed JSON', malformed(login())],
      ['truncated JSON', json(login(), '{"username": "a", "password": "b"')],
      ['JSON array body', login().send([1, 2])],
      ['JSON null body', json(login(), 'null')],
      ['JSON string body', json(login(), '"admin"')],
      ['__proto__ in body', json(login(), '{"__proto__":{"admin":true},"username":"a"}')],
      ['numbers for strings', login().send({ username: 5, password: { x: 1 } })],
      ['very long username', login().send({ username: 'a'.repeat(10_000), password: 'x' })],
      ['NUL byte in username', login().send({ username: 'adm\u0000in', password: 'x' })],
      [
        'NUL byte in a unit name',
        asAdmin(t.http().post('/api/v1/units')).send({
          kind: 'bank',
          code: 'NUL-BANK',
          name: '银\u0000行',
        }),
      ],
      [
        'NUL byte in a display name',
        asAdmin(t.http().post('/api/v1/users')).send({
          username: 'nul.user',
          displayName: '张\u0000三',
          password: 'long-enough-password',
          role: 'admin',
          unitId: (
            (await t.db.query("SELECT id FROM units WHERE code = 'GY'")) as { id: string }[]
          )[0].id,
        }),
      ],
      ['bad uuid in path', asAdmin(t.http().get('/api/v1/units/1 OR 1=1'))],
      ['bad uuid in query', asAdmin(t.http().get('/api/v1/units?parentId=xyz'))],
      ['bad enum in query', asAdmin(t.http().get('/api/v1/units?kind=planet'))],
      ['huge limit', asAdmin(t.http().get('/api/v1/units?limit=99999999999999999999'))],
      ['repeated limit', asAdmin(t.http().get('/api/v1/units?limit=1&limit=2'))],
      ['garbage cursor', asAdmin(t.http().get('/api/v1/units?cursor=%00%01'))],
      ['xml body', login().set('content-type', 'application/xml').send('<a/>')],
      ['bad bearer token', t.http().get('/api/v1/auth/me').set('authorization', 'Bearer ...')],
      [
        'bad API key',
        t
          .http()
          .get('/api/v1/auth/me')
          .set('x-api-key', 'jwk_zzzzzzzz_' + 'x'.repeat(43)),
      ],
    ];
    for (const [what, req] of cases) {
      const res = await req;
      assert.ok(res.status >= 400 && res.status < 500, `${what}: ${res.status} ${res.text}`);
      assertErrorBody(res, res.status, what);
    }
  });
});
