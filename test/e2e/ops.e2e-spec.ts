import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { ADMIN, bootApp, DEMO_PASSWORD, describeEachBackend, TestApp, USERS } from '../harness.js';

interface Schema {
  type?: string;
  format?: string;
  enum?: string[];
  description?: string;
  example?: unknown;
  nullable?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  $ref?: string;
}

describeEachBackend('operations: health and metrics', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(backend);
  });
  afterAll(() => t.close());

  it('GET /health answers 200 with the database and the queue store up, naming the backend', async () => {
    const res = await t.http().get('/health').expect(200);
    assert.deepEqual(res.body, {
      status: 'ok',
      database: { status: 'up' },
      queue: { status: 'up', backend },
    });
  });

  it('GET /metrics is Prometheus text with request counts and queue depths', async () => {
    await t.http().get('/health').expect(200);
    const res = await t.http().get('/metrics').expect(200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.match(res.text, /^# HELP http_requests_total /m);
    assert.match(res.text, /^# TYPE http_requests_total counter$/m);
    const health =
      /^http_requests_total\{method="GET",route="\/health",status="200"\} (\d+)$/m.exec(res.text);
    assert.ok(health, 'the GET /health just made is counted');
    assert.ok(Number(health[1]) >= 1);
    assert.match(res.text, /^# TYPE queue_jobs gauge$/m);
    for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed']) {
      assert.match(
        res.text,
        new RegExp(`^queue_jobs\\{queue="notifications",state="${state}"\\} \\d+$`, 'm'),
      );
    }
    assert.match(res.text, /^process_cpu_user_seconds_total /m, 'Node process metrics are there');
  });

  it('GET /metrics counts a request under its route pattern, not its concrete URL', async () => {
    const admin = await t.token(USERS.admin);
    const id = '00000000-0000-4000-8000-000000000000';
    await t.http().get(`/api/v1/units/${id}`).set('authorization', `Bearer ${admin}`).expect(404);
    const res = await t.http().get('/metrics').expect(200);
    assert.match(
      res.text,
      /^http_requests_total\{method="GET",route="\/api\/v1\/units\/:id",status="404"\} 1$/m,
    );
    assert.ok(!res.text.includes(id), 'ids do not become label values');
  });
});

describe('operations: API documentation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp('postgres');
  });
  afterAll(() => t.close());

  it('GET /docs-json is an OpenAPI 3 document of the API', async () => {
    const res = await t.http().get('/docs-json').expect(200);
    const doc = res.body as {
      openapi: string;
      info: { title: string };
      paths: Record<
        string,
        Record<
          string,
          { security?: unknown[]; requestBody?: unknown; responses: Record<string, unknown> }
        >
      >;
      components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> };
    };
    assert.match(doc.openapi, /^3\./);
    assert.match(doc.info.title, /净网/);

    const login = doc.paths['/api/v1/auth/login']?.post;
    assert.ok(login, 'POST /api/v1/auth/login is documented');
    assert.deepEqual(login.requestBody, {
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/LoginDto' } } },
    });
    assert.ok(login.responses['200'] && login.responses['401'] && login.responses['429']);
    assert.equal(login.security, undefined, 'login needs no credentials');
    for (const path of ['/api/v1/auth/me', '/api/v1/users', '/api/v1/units', '/api/v1/api-keys']) {
      assert.ok(doc.paths[path], `${path} is documented`);
    }
    assert.deepEqual(doc.paths['/api/v1/users'].get.security, [{ bearer: [] }]);
    assert.ok(doc.paths['/health']?.get, 'ops endpoints sit outside /api/v1');

    const schemas = doc.components.schemas;
    assert.deepEqual(schemas.LoginDto.required, ['username', 'password']);
    assert.equal(schemas.LoginDto.properties?.username.type, 'string');
    assert.equal(schemas.LoginDto.properties?.password.type, 'string');
    assert.equal(schemas.LoginDto.properties?.username.example, 'admin');

    const user = schemas.UserDto.properties ?? {};
    assert.deepEqual(Object.keys(user).sort(), [
      'createdAt',
      'disabled',
      'displayName',
      'id',
      'phone',
      'role',
      'unitId',
      'username',
    ]);
    assert.equal(user.id.format, 'uuid');
    assert.deepEqual(user.role.enum, [
      'admin',
      'supervisor',
      'officer',
      'bank_liaison',
      'community_police',
    ]);
    assert.equal(user.disabled.type, 'boolean');
    assert.equal(user.phone.nullable, true);
    assert.ok(!('passwordHash' in user) && !('password' in user), 'no password in a user');
    assert.equal(schemas.CreateUserDto.properties?.password.type, 'string');

    assert.match(schemas.TokenDto.properties?.accessToken.description ?? '', /Bearer/);
    assert.match(schemas.CreateApiKeyDto.properties?.unitId.description ?? '', /bank/);
    assert.ok(schemas.ErrorBody.properties?.details, 'the error shape is documented');

    assert.deepEqual(doc.components.securitySchemes.bearer, {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    assert.deepEqual(doc.components.securitySchemes['bank-api-key'], {
      type: 'apiKey',
      in: 'header',
      name: 'X-Api-Key',
    });
  });

  it('GET /docs answers the Swagger UI page', async () => {
    const res = await t.http().get('/docs').expect(200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.text, /<html/i);
    assert.match(res.text, /Swagger UI/);
  });
});

describeEachBackend('operations: queue dashboard', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(backend);
  });
  afterAll(() => t.close());

  it('the queue dashboard refuses anonymous callers with 401', async () => {
    const res = await t.http().get('/queues').expect(401);
    assert.equal(res.body.statusCode, 401);
    await t.http().get('/queues/api/queues').expect(401);
  });

  it('the queue dashboard refuses an officer with 403', async () => {
    const officer = await t.token(USERS.officer);
    const res = await t.http().get('/queues').set('authorization', `Bearer ${officer}`).expect(403);
    assert.equal(res.body.statusCode, 403);
    await t.http().get('/queues/api/queues').set('authorization', `Bearer ${officer}`).expect(403);
  });

  it('the queue dashboard opens for an admin with a bearer token and lists the queues', async () => {
    const admin = await t.token(USERS.admin);
    const page = await t.http().get('/queues').set('authorization', `Bearer ${admin}`).expect(200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.text, /Bull Dashboard/);
    const api = await t
      .http()
      .get('/queues/api/queues')
      .set('authorization', `Bearer ${admin}`)
      .expect(200);
    assert.deepEqual(
      (api.body.queues as { name: string }[]).map((q) => q.name),
      // Every queue the features declare, sorted by name.
      [
        'alerts-deliver',
        'alerts-fanout',
        'alerts-trend-scan',
        'dissuasion-sla',
        'freeze-expiry',
        'notifications',
        'transfer-flag-files',
        'transfer-match',
      ],
    );
  });

  it('an admin’s login sets the cookie that opens the queue dashboard; an officer gets none and his token in it is refused', async () => {
    const cookieOf = async (username: string, password: string) => {
      const res = await t
        .http()
        .post('/api/v1/auth/login')
        .send({ username, password })
        .expect(200);
      const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
      const jw = setCookie.find((c) => c.startsWith('jw_token='));
      assert.ok(jw, 'login sets the jw_token cookie');
      assert.match(jw, /; Path=\/queues(;|$)/);
      assert.match(jw, /; HttpOnly(;|$)/);
      assert.match(jw, /; SameSite=Strict(;|$)/);
      return jw.split(';')[0];
    };
    const adminCookie = await cookieOf(ADMIN.username, ADMIN.password);
    const page = await t.http().get('/queues').set('cookie', adminCookie).expect(200);
    assert.match(page.text, /Bull Dashboard/);
    await t.http().get('/queues/api/queues').set('cookie', adminCookie).expect(200);

    const officer = await t
      .http()
      .post('/api/v1/auth/login')
      .send({ username: USERS.officer, password: DEMO_PASSWORD })
      .expect(200);
    assert.equal(officer.headers['set-cookie'], undefined, 'no dashboard cookie for an officer');
    // An officer's token put in the cookie by hand opens nothing either.
    const officerCookie = `jw_token=${officer.body.accessToken as string}`;
    await t.http().get('/queues').set('cookie', officerCookie).expect(403);
    await t.http().get('/queues').set('cookie', 'jw_token=not-a-token').expect(401);
    // The API takes only headers: the dashboard cookie opens nothing else.
    await t.http().get('/api/v1/auth/me').set('cookie', adminCookie).expect(401);
  });
});
