import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { JwtService } from '@nestjs/jwt';
import { bootApp, DEMO_PASSWORD, TestApp, USERS } from '../harness.js';
import { RateLimiter } from '../../src/identity/index.js';

const LOGIN = '/api/v1/auth/login';
const ME = '/api/v1/auth/me';
const bearer = (token: string) => `Bearer ${token}`;

async function unitIdOf(t: TestApp, code: string): Promise<string> {
  const rows = (await t.db.query('SELECT id FROM units WHERE code = $1', [code])) as {
    id: string;
  }[];
  assert.equal(rows.length, 1, `unit ${code}`);
  return rows[0].id;
}

/** Creates a throwaway officer through the API, so tests that disable or re-key a user touch no one else. */
async function createOfficer(t: TestApp, username: string, password: string): Promise<string> {
  const res = await t
    .http()
    .post('/api/v1/users')
    .set('authorization', bearer(await t.token(USERS.admin)))
    .send({
      username,
      displayName: '测试民警',
      password,
      role: 'officer',
      unitId: await unitIdOf(t, 'GY-YY-WA'),
    });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return (res.body as { id: string }).id;
}

async function login(t: TestApp, username: string, password: string) {
  return t.http().post(LOGIN).send({ username, password });
}

describe('authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp('postgres');
  });
  afterAll(() => t.close());

  describe('login', () => {
    it('returns a bearer token that works, and sets the jw_token cookie for /queues for an admin', async () => {
      const res = await login(t, USERS.admin, 'admin-password-1');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const body = res.body as { accessToken: string; tokenType: string; expiresIn: number };
      assert.match(body.accessToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);
      assert.equal(body.tokenType, 'Bearer');
      assert.equal(body.expiresIn, 3600);

      const cookie = String(res.headers['set-cookie']);
      assert.match(cookie, new RegExp(`^jw_token=${body.accessToken.replace(/\./g, '\\.')};`));
      assert.match(cookie, /Path=\/queues/);
      assert.match(cookie, /HttpOnly/);

      const me = await t.http().get(ME).set('authorization', bearer(body.accessToken));
      assert.equal(me.status, 200);
      assert.equal(me.body.username, USERS.admin);
    });

    it('opens the queue dashboard to an admin with the login cookie, and to no one else', async () => {
      const admin = await login(t, USERS.admin, 'admin-password-1');
      const adminCookie = String(admin.headers['set-cookie']).split(';')[0];
      const ok = await t.http().get('/queues').set('cookie', adminCookie);
      assert.equal(ok.status, 200);

      const officer = await login(t, USERS.officer, DEMO_PASSWORD);
      assert.equal(officer.headers['set-cookie'], undefined, 'no dashboard cookie for an officer');
      const officerCookie = `jw_token=${officer.body.accessToken as string}`;
      const refused = await t.http().get('/queues').set('cookie', officerCookie);
      assert.equal(refused.status, 403);
      assert.equal((await t.http().get('/queues')).status, 401);
    });

    it('answers a wrong password and an unknown user alike: 401 with the same message', async () => {
      const wrong = await login(t, USERS.officer, 'not-the-password');
      const unknown = await login(t, 'nobody.here', 'not-the-password');
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      assert.equal(wrong.body.message, unknown.body.message);
      assert.deepEqual(Object.keys(wrong.body as object).sort(), [
        'details',
        'error',
        'message',
        'requestId',
        'statusCode',
      ]);
      assert.equal(wrong.headers['set-cookie'], undefined, 'no cookie on a failed login');
    });

    it('records successful and failed logins in the audit log', async () => {
      const ok = await login(t, USERS.supervisor, DEMO_PASSWORD);
      assert.equal(ok.status, 200);
      const bad = await login(t, USERS.supervisor, 'wrong-password-x');
      assert.equal(bad.status, 401);
      const unknown = await login(t, 'ghost.user', 'wrong-password-x');
      assert.equal(unknown.status, 401);

      const [supervisor] = (await t.db.query('SELECT id FROM users WHERE username = $1', [
        USERS.supervisor,
      ])) as { id: string }[];
      const rows = (await t.db.query(
        `SELECT action, entity_id, request_id, details FROM audit_events
          WHERE request_id = ANY($1) ORDER BY id`,
        [[ok, bad, unknown].map((r) => String(r.headers['x-request-id']))],
      )) as {
        action: string;
        entity_id: string | null;
        request_id: string;
        details: Record<string, unknown>;
      }[];
      assert.deepEqual(
        rows.map((r) => [r.action, r.entity_id, r.details.reason ?? null]),
        [
          ['auth.login', supervisor.id, null],
          ['auth.login_failed', supervisor.id, 'wrong_password'],
          ['auth.login_failed', null, 'unknown_user'],
        ],
      );
      assert.equal(rows[2].details.username, 'ghost.user');
      for (const r of rows) assert.ok(!JSON.stringify(r.details).includes('wrong-password-x'));
    });

    it("records the server's own request id in the audit log, never the client's, and keeps the client's only when well-formed", async () => {
      const earlier = await login(t, USERS.officer, 'wrong-password-y');
      const earlierId = String(earlier.headers['x-request-id']);
      const cases = [
        { given: earlierId, kept: earlierId }, // another request's id: kept beside, never as ours
        { given: 'trace-0001', kept: 'trace-0001' },
        { given: '<script>alert(1)</script>', kept: null },
        { given: 'x'.repeat(65), kept: null },
      ];
      for (const c of cases) {
        const res = await t
          .http()
          .post(LOGIN)
          .set('x-request-id', c.given)
          .send({ username: USERS.officer, password: 'wrong-password-y' });
        assert.equal(res.status, 401);
        const serverId = String(res.headers['x-request-id']);
        assert.match(
          serverId,
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
        assert.notEqual(serverId, c.given);
        const rows = (await t.db.query(
          `SELECT request_id, client_request_id FROM audit_events
            WHERE request_id = $1 OR request_id = $2 ORDER BY id`,
          [serverId, c.given],
        )) as { request_id: string; client_request_id: string | null }[];
        const own = rows.filter((r) => r.request_id === serverId);
        assert.deepEqual(own, [{ request_id: serverId, client_request_id: c.kept }], c.given);
        if (c.given !== earlierId)
          assert.equal(rows.length, 1, 'no audit row carries the client id as its request id');
      }
    });

    it('rejects a login body with a missing password (400 naming password)', async () => {
      const res = await t.http().post(LOGIN).send({ username: USERS.officer });
      assert.equal(res.status, 400);
      assert.ok(
        (res.body.details as { field: string }[]).some((d) => d.field === 'password'),
        JSON.stringify(res.body),
      );
    });
  });

  describe('GET /auth/me', () => {
    const expected = [
      { username: USERS.admin, role: 'admin', unit: 'GY', canSeePii: false },
      { username: USERS.supervisor, role: 'supervisor', unit: 'GY-FZ', canSeePii: true },
      { username: USERS.supervisorYunyan, role: 'supervisor', unit: 'GY-YY', canSeePii: true },
      { username: USERS.officer, role: 'officer', unit: 'GY-YY-WA', canSeePii: true },
      { username: USERS.officerNanming, role: 'officer', unit: 'GY-NM-HX', canSeePii: true },
      { username: USERS.community, role: 'community_police', unit: 'GY-YY-QL', canSeePii: false },
      { username: USERS.icbc, role: 'bank_liaison', unit: 'ICBC-GY-ZHBL', canSeePii: false },
      { username: USERS.ccb, role: 'bank_liaison', unit: 'CCB-GZ', canSeePii: false },
    ];
    for (const e of expected) {
      it(`tells ${e.username} their role (${e.role}), unit (${e.unit}) and whether they may see PII`, async () => {
        const res = await t
          .http()
          .get(ME)
          .set('authorization', bearer(await t.token(e.username)));
        assert.equal(res.status, 200);
        assert.equal(res.body.kind, 'user');
        assert.equal(res.body.username, e.username);
        assert.equal(res.body.role, e.role);
        assert.equal(res.body.unit.code, e.unit);
        assert.equal(res.body.unit.id, await unitIdOf(t, e.unit));
        assert.equal(res.body.canSeePii, e.canSeePii);
      });
    }

    it('refuses a forged or malformed token with 401', async () => {
      const token = await t.token(USERS.officer);
      const [h, p] = token.split('.');
      for (const bad of [`${h}.${p}.forged-signature`, 'not-a-jwt', '']) {
        const res = await t.http().get(ME).set('authorization', bearer(bad));
        assert.equal(res.status, 401, bad);
      }
    });
    it('accepts the bearer scheme written in any case', async () => {
      const token = await t.token(USERS.officer);
      for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
        const res = await t.http().get(ME).set('authorization', `${scheme} ${token}`);
        assert.equal(res.status, 200, scheme);
        assert.equal(res.body.username, USERS.officer);
      }
    });

    it('refuses a correctly signed token that has no expiry', async () => {
      const [user] = (await t.db.query(
        `SELECT id, password_changed_at FROM users WHERE username = $1`,
        [USERS.officer],
      )) as { id: string; password_changed_at: Date }[];
      const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({
        sub: user.id,
        pwc: user.password_changed_at.getTime(),
        iat: Math.floor(Date.now() / 1000),
      })}`;
      const signature = createHmac('sha256', t.config.jwtSecret).update(body).digest('base64url');
      const res = await t
        .http()
        .get(ME)
        .set('authorization', bearer(`${body}.${signature}`));
      assert.equal(res.status, 401);
    });

    it('refuses a token once it has expired, though it was accepted before', async () => {
      const [user] = (await t.db.query(
        `SELECT id, password_changed_at FROM users WHERE username = $1`,
        [USERS.officer],
      )) as { id: string; password_changed_at: Date }[];
      // Signed by the app's own JwtService, as a login would, but valid for 2 seconds only.
      const token = await t.app
        .get(JwtService)
        .signAsync({ sub: user.id, pwc: user.password_changed_at.getTime() }, { expiresIn: 2 });
      const exp = t.app.get(JwtService).decode<{ exp: number }>(token).exp;
      assert.equal((await t.http().get(ME).set('authorization', bearer(token))).status, 200);
      assert.equal((await t.http().get(ME).set('authorization', bearer(token))).status, 200);
      await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
      assert.equal((await t.http().get(ME).set('authorization', bearer(token))).status, 401);
    });
  });

  describe('account changes', () => {
    it('a user disabled by the admin can no longer log in, and their earlier token is refused', async () => {
      const password = 'first-password-1';
      const id = await createOfficer(t, 'disabled.officer', password);
      const before = (await login(t, 'disabled.officer', password)).body.accessToken as string;
      assert.equal((await t.http().get(ME).set('authorization', bearer(before))).status, 200);

      const patch = await t
        .http()
        .patch(`/api/v1/users/${id}`)
        .set('authorization', bearer(await t.token(USERS.admin)))
        .send({ disabled: true });
      assert.equal(patch.status, 200, JSON.stringify(patch.body));
      assert.equal(patch.body.disabled, true);

      assert.equal((await login(t, 'disabled.officer', password)).status, 401);
      assert.equal((await t.http().get(ME).set('authorization', bearer(before))).status, 401);
    });

    it('a user disabled by another process (straight in the database) is refused once the change is announced', async () => {
      // This process holds the caller in memory after the first request (ActorCache); the trigger
      // on users tells it, as it tells every API process, so the old token stops working.
      const password = 'first-password-1';
      const id = await createOfficer(t, 'elsewhere.officer', password);
      const token = (await login(t, 'elsewhere.officer', password)).body.accessToken as string;
      assert.equal((await t.http().get(ME).set('authorization', bearer(token))).status, 200);
      assert.equal((await t.http().get(ME).set('authorization', bearer(token))).status, 200);

      await t.db.query('UPDATE users SET disabled_at = now() WHERE id = $1', [id]);
      let status = 0;
      for (let i = 0; i < 50 && status !== 401; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 20));
        status = (await t.http().get(ME).set('authorization', bearer(token))).status;
      }
      assert.equal(status, 401);
    });

    it('a password change makes tokens issued before it fail, and the new password works', async () => {
      const id = await createOfficer(t, 'rekeyed.officer', 'old-password-1');
      // Log in and change the password within one second: a JWT's iat has whole seconds only, and
      // a token issued in the same second as the change must fail too.
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
      const before = (await login(t, 'rekeyed.officer', 'old-password-1')).body
        .accessToken as string;
      assert.equal((await t.http().get(ME).set('authorization', bearer(before))).status, 200);

      const patch = await t
        .http()
        .patch(`/api/v1/users/${id}`)
        .set('authorization', bearer(await t.token(USERS.admin)))
        .send({ password: 'new-password-2' });
      assert.equal(patch.status, 200, JSON.stringify(patch.body));

      assert.equal((await t.http().get(ME).set('authorization', bearer(before))).status, 401);
      assert.equal((await login(t, 'rekeyed.officer', 'old-password-1')).status, 401);
      const after = await login(t, 'rekeyed.officer', 'new-password-2');
      assert.equal(after.status, 200);
      const me = await t.http().get(ME).set('authorization', bearer(after.body.accessToken));
      assert.equal(me.status, 200);
    });
  });

  describe('API keys for bank systems', () => {
    let adminToken: string;
    let icbcId: string;
    let created: { id: string; key: string; keyPrefix: string };

    beforeAll(async () => {
      adminToken = await t.token(USERS.admin);
      icbcId = await unitIdOf(t, 'ICBC-GY');
    });

    it('the admin issues a key for a bank and sees it this once only', async () => {
      const res = await t
        .http()
        .post('/api/v1/api-keys')
        .set('authorization', bearer(adminToken))
        .send({ unitId: icbcId, name: '核心系统可疑交易报送' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      created = res.body as typeof created;
      assert.equal(res.body.unitId, icbcId);
      assert.match(created.key, /^jwk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
      assert.ok(created.key.startsWith(created.keyPrefix));

      const list = await t.http().get('/api/v1/api-keys').set('authorization', bearer(adminToken));
      assert.equal(list.status, 200);
      const listed = (list.body.items as Record<string, unknown>[]).find(
        (k) => k.id === created.id,
      );
      assert.ok(listed, 'the key is listed');
      assert.equal(listed.key, undefined);
      assert.ok(!list.text.includes(created.key.slice(created.keyPrefix.length + 1)));
      const [row] = (await t.db.query('SELECT key_hash FROM api_keys WHERE id = $1', [
        created.id,
      ])) as { key_hash: string }[];
      assert.notEqual(row.key_hash, created.key, 'only a hash is stored');
    });

    it('the key authenticates a bank system as a liaison of that bank', async () => {
      const res = await t.http().get(ME).set('x-api-key', created.key);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.kind, 'api_key');
      assert.equal(res.body.role, 'bank_liaison');
      assert.equal(res.body.unit.id, icbcId);
      assert.equal(res.body.canSeePii, false);
    });

    it('a wrong key with a real prefix is refused (401)', async () => {
      const forged = `${created.keyPrefix}_${'A'.repeat(43)}`;
      assert.equal((await t.http().get(ME).set('x-api-key', forged)).status, 401);
    });

    it('refuses a key for a unit that is not a bank (400 naming unitId)', async () => {
      for (const code of ['ICBC-GY-ZHBL', 'GY-YY']) {
        const res = await t
          .http()
          .post('/api/v1/api-keys')
          .set('authorization', bearer(adminToken))
          .send({ unitId: await unitIdOf(t, code), name: 'not a bank' });
        assert.equal(res.status, 400, code);
        assert.deepEqual(
          (res.body.details as { field: string }[]).map((d) => d.field),
          ['unitId'],
        );
      }
    });

    it('a revoked key is refused (401), and revoking it again is a conflict (409)', async () => {
      const revoke = () =>
        t
          .http()
          .post(`/api/v1/api-keys/${created.id}/revoke`)
          .set('authorization', bearer(adminToken));
      const first = await revoke();
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.ok(first.body.revokedAt);
      assert.equal((await t.http().get(ME).set('x-api-key', created.key)).status, 401);
      const second = await revoke();
      assert.equal(second.status, 409);
      assert.equal(second.body.statusCode, 409);
    });

    it('revoking an unknown key is 404', async () => {
      const res = await t
        .http()
        .post('/api/v1/api-keys/00000000-0000-4000-8000-000000000000/revoke')
        .set('authorization', bearer(adminToken));
      assert.equal(res.status, 404);
    });

    it('a bank liaison cannot create API keys (403)', async () => {
      const res = await t
        .http()
        .post('/api/v1/api-keys')
        .set('authorization', bearer(await t.token(USERS.icbc)))
        .send({ unitId: icbcId, name: 'self-issued' });
      assert.equal(res.status, 403);
      const [{ n }] = (await t.db.query(
        "SELECT count(*)::int AS n FROM api_keys WHERE name = 'self-issued'",
      )) as { n: number }[];
      assert.equal(n, 0);
    });
  });
});

describe('login rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp('postgres', {
      loginRateLimit: { max: 3, windowSeconds: 60, accountMax: 1000, accountWindowSeconds: 60 },
    });
  });
  afterAll(() => t.close());

  it('answers the 4th attempt in a row with 429 and a Retry-After header', async () => {
    // The limit counts per fixed 60 s window; start well inside one so all four land in it.
    const intoWindow = (Date.now() / 1000) % 60;
    if (intoWindow > 50) await new Promise((r) => setTimeout(r, (61 - intoWindow) * 1000));

    for (let i = 1; i <= 3; i++) {
      const res = await login(t, USERS.officer, 'guessing-password');
      assert.equal(res.status, 401, `attempt ${i}`);
    }
    const fourth = await login(t, USERS.officer, DEMO_PASSWORD);
    assert.equal(fourth.status, 429, 'even the right password waits out the window');
    const retryAfter = Number(fourth.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `${retryAfter}`);
    assert.equal(fourth.body.statusCode, 429);
    assert.equal(fourth.body.error, 'Too Many Requests');

    const other = await login(t, USERS.supervisor, DEMO_PASSWORD);
    assert.equal(other.status, 200, 'another account from the same address is not blocked');
  });
});

describe('rate-limit housekeeping', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.close());

  it('the hourly purge drops windows older than a day and keeps the current ones', async () => {
    await t.db.query(
      `INSERT INTO rate_limit_windows (key, window_start, count) VALUES
         ('login:old', now() - interval '2 days', 3), ('login:new', now(), 1)`,
    );
    await t.app.get(RateLimiter).purge();
    const rows: { key: string }[] = await t.db.query(
      `SELECT key FROM rate_limit_windows WHERE key IN ('login:old', 'login:new') ORDER BY key`,
    );
    assert.deepEqual(
      rows.map((r) => r.key),
      ['login:new'],
    );
  });
});

/** Waits, if need be, so the next few seconds fall inside one fixed window of `seconds`. */
async function intoOneWindow(seconds: number, needSeconds = 15): Promise<void> {
  const into = (Date.now() / 1000) % seconds;
  if (into > seconds - needSeconds)
    await new Promise((r) => setTimeout(r, (seconds - into + 1) * 1000));
}

describe('login limits per account and for successful logins', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Behind a proxy, so each request may come from its own address (X-Forwarded-For).
    t = await bootApp('postgres', {
      trustProxy: true,
      loginRateLimit: { max: 3, windowSeconds: 60, accountMax: 4, accountWindowSeconds: 3600 },
    });
  });
  afterAll(() => t.close());

  const from = (address: string, username: string, password: string) =>
    t.http().post(LOGIN).set('x-forwarded-for', address).send({ username, password });

  async function auditOf(username: string, actions: string[]) {
    return (await t.db.query(
      `SELECT action, details FROM audit_events
        WHERE details->>'username' = $1 AND action = ANY($2) ORDER BY id`,
      [username, actions],
    )) as { action: string; details: Record<string, unknown> }[];
  }

  it('successful logins do not use up the limit', async () => {
    await intoOneWindow(60);
    for (let i = 1; i <= 6; i++) {
      const res = await from('198.51.100.1', USERS.supervisor, DEMO_PASSWORD);
      assert.equal(res.status, 200, `login ${i}`);
    }
    for (let i = 1; i <= 3; i++)
      assert.equal((await from('198.51.100.1', USERS.supervisor, 'guess-0000')).status, 401);
    assert.equal((await from('198.51.100.1', USERS.supervisor, DEMO_PASSWORD)).status, 429);
  });

  it('failed logins to one account from many addresses lock it, the lock and the refusals are audited, and other accounts are untouched', async () => {
    await intoOneWindow(3600);
    for (let i = 1; i <= 4; i++) {
      const res = await from(`203.0.113.${i}`, USERS.officer, `guess-${i}-password`);
      assert.equal(res.status, 401, `guess ${i} from its own address`);
    }
    const locked = await from('203.0.113.50', USERS.officer, DEMO_PASSWORD);
    assert.equal(locked.status, 429, 'even the right password, from a fresh address');
    const retryAfter = Number(locked.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 3600, String(retryAfter));
    assert.equal((await from('203.0.113.51', USERS.officer, DEMO_PASSWORD)).status, 429);
    assert.equal(
      (await from('203.0.113.50', USERS.officerNanming, DEMO_PASSWORD)).status,
      200,
      'another account from the same addresses',
    );

    const [officer] = (await t.db.query('SELECT id FROM users WHERE username = $1', [
      USERS.officer,
    ])) as { id: string }[];
    const rows = (await t.db.query(
      `SELECT action, entity_id, ip, details FROM audit_events
        WHERE details->>'username' = $1 AND action IN ('auth.account_locked', 'auth.login_throttled')
        ORDER BY id`,
      [USERS.officer],
    )) as { action: string; entity_id: string; ip: string; details: Record<string, unknown> }[];
    // The lock once, when the 4th failure reaches the limit; the first refusal once (not each).
    assert.deepEqual(
      rows.map((r) => [r.action, r.entity_id, r.ip, r.details.limit ?? r.details.failures]),
      [
        ['auth.account_locked', officer.id, '203.0.113.4', 4],
        ['auth.login_throttled', officer.id, '203.0.113.50', 'username'],
      ],
    );
    assert.equal(
      (await auditOf(USERS.officer, ['auth.login_failed'])).length,
      4,
      'each failure audited as before',
    );
  });

  it('the first refused attempt of an address is audited too', async () => {
    await intoOneWindow(60);
    const name = `nobody-${randomUUID().slice(0, 8)}`;
    for (let i = 1; i <= 3; i++)
      assert.equal((await from('192.0.2.9', name, 'guess-0000')).status, 401);
    for (let i = 1; i <= 2; i++)
      assert.equal((await from('192.0.2.9', name, 'guess-0000')).status, 429);
    const rows = await auditOf(name, ['auth.login_throttled']);
    assert.deepEqual(
      rows.map((r) => r.details.limit),
      ['address_username'],
    );
  });
});
