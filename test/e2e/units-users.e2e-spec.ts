import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Response } from 'supertest';
import { bootApp, TestApp, USERS } from '../harness.js';

const bearer = (token: string) => `Bearer ${token}`;
const fields = (res: Response) => (res.body.details as { field: string }[]).map((d) => d.field);

interface UnitRow {
  id: string;
  code: string;
  path: string;
}

describe('units and users', () => {
  let t: TestApp;
  let admin: string;
  const units = new Map<string, UnitRow>();

  const unit = (code: string) => {
    const u = units.get(code);
    assert.ok(u, `unit ${code} in the demo data`);
    return u;
  };
  const get = async (url: string, username: string) =>
    t
      .http()
      .get(url)
      .set('authorization', bearer(await t.token(username)));
  const post = (url: string, body: object) =>
    t.http().post(url).set('authorization', bearer(admin)).send(body);
  /** Every unit code a caller sees in GET /units (one page is enough for the demo data). */
  const visibleCodes = async (username: string) => {
    const res = await get('/api/v1/units?limit=200', username);
    assert.equal(res.status, 200);
    assert.equal(res.body.nextCursor, null);
    return (res.body.items as { code: string }[]).map((u) => u.code).sort();
  };
  const allCodes = async () =>
    ((await t.db.query('SELECT code FROM units ORDER BY code')) as { code: string }[])
      .map((r) => r.code)
      .sort();

  beforeAll(async () => {
    t = await bootApp('postgres');
    admin = await t.token(USERS.admin);
    for (const row of (await t.db.query('SELECT id, code, path FROM units')) as UnitRow[])
      units.set(row.code, row);
  });
  afterAll(() => t.close());

  describe('units', () => {
    it('the admin creates a station under a sub-bureau and the list shows it', async () => {
      const res = await post('/api/v1/units', {
        kind: 'station',
        code: 'GY-YY-ZX',
        name: '云岩分局中心派出所',
        parentId: unit('GY-YY').id,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.code, 'GY-YY-ZX');
      assert.equal(res.body.kind, 'station');
      assert.equal(res.body.parentId, unit('GY-YY').id);

      const children = await get(`/api/v1/units?parentId=${unit('GY-YY').id}`, USERS.admin);
      assert.ok((children.body.items as { id: string }[]).some((u) => u.id === res.body.id));
      assert.ok((await visibleCodes(USERS.admin)).includes('GY-YY-ZX'));
      const one = await get(`/api/v1/units/${res.body.id as string}`, USERS.admin);
      assert.equal(one.status, 200);
      assert.equal(one.body.name, '云岩分局中心派出所');
    });

    it('refuses a community under a bank (400 naming parentId)', async () => {
      const res = await post('/api/v1/units', {
        kind: 'community',
        code: 'ICBC-GY-SQ',
        name: '银行里的社区',
        parentId: unit('ICBC-GY').id,
      });
      assert.equal(res.status, 400);
      assert.deepEqual(fields(res), ['parentId']);
    });

    it('refuses a station with no parent (400 naming parentId)', async () => {
      const res = await post('/api/v1/units', { kind: 'station', code: 'LONE', name: '孤站' });
      assert.equal(res.status, 400);
      assert.deepEqual(fields(res), ['parentId']);
    });

    it('refuses a duplicate code (409)', async () => {
      const res = await post('/api/v1/units', {
        kind: 'station',
        code: 'GY-YY-QL',
        name: '第二个黔灵派出所',
        parentId: unit('GY-YY').id,
      });
      assert.equal(res.status, 409);
      assert.deepEqual(fields(res), ['code']);
    });

    it('refuses a lower-case code (400 naming code)', async () => {
      const res = await post('/api/v1/units', {
        kind: 'station',
        code: 'gy-yy-xx',
        name: '小写派出所',
        parentId: unit('GY-YY').id,
      });
      assert.equal(res.status, 400);
      assert.deepEqual(fields(res), ['code']);
    });

    it('refuses an unknown field in the body (400 naming that field)', async () => {
      const res = await post('/api/v1/units', {
        kind: 'station',
        code: 'GY-YY-YY',
        name: '多字段派出所',
        parentId: unit('GY-YY').id,
        color: 'red',
      });
      assert.equal(res.status, 400);
      assert.deepEqual(fields(res), ['color']);
      assert.ok(!(await allCodes()).includes('GY-YY-YY'), 'nothing was created');
    });

    it('shows a bank liaison only their bank and its branches', async () => {
      assert.deepEqual(await visibleCodes(USERS.icbc), ['ICBC-GY', 'ICBC-GY-ZHBL']);
    });

    it('shows a station officer their station, its communities and every bank to ask, no other police unit', async () => {
      assert.deepEqual(await visibleCodes(USERS.officerNanming), [
        'CCB-GZ',
        'GY-NM-HX',
        'GY-NM-HX-XH',
        'ICBC-GY',
        'ICBC-GY-ZHBL',
      ]);
    });

    it('shows the admin every unit', async () => {
      assert.deepEqual(await visibleCodes(USERS.admin), await allCodes());
    });

    it('answers 404 for a unit outside the caller’s scope, even one above it', async () => {
      for (const code of ['GY', 'GY-NM', 'CCB-GZ']) {
        const res = await get(`/api/v1/units/${unit(code).id}`, USERS.icbc);
        assert.equal(res.status, 404, `liu.icbc → ${code}`);
        assert.equal(res.body.statusCode, 404);
      }
      assert.equal(
        (await get(`/api/v1/units/${unit('GY-YY').id}`, USERS.officerNanming)).status,
        404,
      );
      const own = await get(`/api/v1/units/${unit('GY-NM-HX-XH').id}`, USERS.officerNanming);
      assert.equal(own.status, 200);
    });

    it('answers 400 for an id that is not a uuid', async () => {
      const res = await get('/api/v1/units/not-a-uuid', USERS.admin);
      assert.equal(res.status, 400);
      assert.equal(res.body.statusCode, 400);
    });

    it('pages through every unit with ?limit=2, without duplicates', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/api/v1/units?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await get(url, USERS.admin);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const items = res.body.items as { code: string }[];
        assert.ok(items.length <= 2);
        seen.push(...items.map((u) => u.code));
        cursor = res.body.nextCursor as string | null;
        assert.ok(++pages < 100, 'pagination ends');
      } while (cursor);
      assert.equal(new Set(seen).size, seen.length, `duplicates in ${seen.join(', ')}`);
      const inOrder = (await t.db.query('SELECT code FROM units ORDER BY code, id')) as {
        code: string;
      }[];
      assert.deepEqual(
        seen,
        inOrder.map((r) => r.code),
        'every unit once, in the stable order by code',
      );
    });

    it('refuses a cursor it did not issue (400 naming cursor)', async () => {
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      for (const cursor of [
        'not-a-cursor',
        b64(['GY']),
        b64([1, 2]),
        b64({ code: 'GY' }),
        b64(['GY', 'not-a-uuid']),
      ]) {
        const res = await get(`/api/v1/units?limit=2&cursor=${cursor}`, USERS.admin);
        assert.equal(res.status, 400, `${cursor}: ${res.status} ${JSON.stringify(res.body)}`);
        assert.deepEqual(fields(res), ['cursor'], cursor);
      }
    });

    it('refuses a limit out of range (400 naming limit)', async () => {
      for (const limit of ['0', '201', 'abc']) {
        const res = await get(`/api/v1/units?limit=${limit}`, USERS.admin);
        assert.equal(res.status, 400, limit);
        assert.ok(
          fields(res).every((f) => f === 'limit'),
          JSON.stringify(res.body),
        );
      }
    });
  });

  describe('users', () => {
    const newUser = (extra: object = {}) => ({
      username: 'zhou.officer',
      displayName: '周强',
      password: 'a-good-password',
      role: 'officer',
      unitId: unit('GY-YY-QL').id,
      phone: '13800138000',
      ...extra,
    });

    it('the admin creates a user, who can then log in', async () => {
      const res = await post('/api/v1/users', newUser());
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.username, 'zhou.officer');
      assert.equal(res.body.role, 'officer');
      assert.equal(res.body.disabled, false);
      assert.equal(res.body.password, undefined);
      assert.equal(res.body.passwordHash, undefined);
      const login = await t
        .http()
        .post('/api/v1/auth/login')
        .send({ username: 'zhou.officer', password: 'a-good-password' });
      assert.equal(login.status, 200);
    });

    it('refuses a duplicate username (409)', async () => {
      const res = await post('/api/v1/users', newUser({ username: USERS.officer }));
      assert.equal(res.status, 409);
      assert.deepEqual(fields(res), ['username']);
    });

    it('refuses a bank liaison in a police unit (400 naming unitId)', async () => {
      const res = await post(
        '/api/v1/users',
        newUser({ username: 'x.liaison', role: 'bank_liaison' }),
      );
      assert.equal(res.status, 400);
      assert.deepEqual(fields(res), ['unitId']);
    });

    it('refuses a phone that is not a mainland mobile number (400 naming phone)', async () => {
      const res = await post('/api/v1/users', newUser({ username: 'x.phone', phone: '12345' }));
      assert.equal(res.status, 400);
      assert.deepEqual(fields(res), ['phone']);
    });

    it('refuses a short password (400 naming password)', async () => {
      const res = await post('/api/v1/users', newUser({ username: 'x.short', password: 'short' }));
      assert.equal(res.status, 400);
      assert.deepEqual(fields(res), ['password']);
    });

    it('shows a supervisor only the users of their unit subtree', async () => {
      const res = await get('/api/v1/users?limit=200', USERS.supervisor);
      assert.equal(res.status, 200);
      const listed = (res.body.items as { username: string; unitId: string }[])
        .map((u) => u.username)
        .sort();
      const expected = (
        (await t.db.query(
          `SELECT u.username FROM users u JOIN units un ON un.id = u.unit_id
            WHERE un.path LIKE $1 ORDER BY u.username`,
          [`${unit('GY-FZ').path}%`],
        )) as { username: string }[]
      ).map((r) => r.username);
      assert.deepEqual(listed, expected);
      assert.deepEqual(listed, [USERS.supervisor]);
    });

    it('shows the admin every user', async () => {
      const res = await get('/api/v1/users?limit=200', USERS.admin);
      const [{ n }] = (await t.db.query('SELECT count(*)::int AS n FROM users')) as { n: number }[];
      assert.equal((res.body.items as unknown[]).length, n);
    });

    it('refuses an officer the user list (403)', async () => {
      const res = await get('/api/v1/users', USERS.officer);
      assert.equal(res.status, 403);
    });

    it('does not let the admin disable himself (409)', async () => {
      const me = await get('/api/v1/auth/me', USERS.admin);
      const res = await t
        .http()
        .patch(`/api/v1/users/${me.body.id as string}`)
        .set('authorization', bearer(admin))
        .send({ disabled: true });
      assert.equal(res.status, 409);
      assert.equal((await get('/api/v1/auth/me', USERS.admin)).status, 200, 'still works');
    });
  });
});
