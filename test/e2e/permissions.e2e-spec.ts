import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Response } from 'supertest';
import { PUBLIC } from '../../src/common/auth/allow.decorator.js';
import { Role } from '../../src/common/auth/roles.js';
import { bootApp, TestApp, USERS } from '../harness.js';
import { discoverEndpoints, Endpoint, endpointKey } from './endpoints.js';

/** The committed snapshot, in the source tree (this file runs from dist-test/test/e2e). */
const SNAPSHOT = resolve(
  import.meta.dirname,
  '../../../test/e2e/__snapshots__/endpoint-roles.json',
);

type RoleMap = Record<string, string | string[]>;

/** JSON as Prettier would print it: one endpoint per line unless the line gets too long. */
function formatSnapshot(map: RoleMap): string {
  const lines = Object.entries(map).map(([key, roles]) => {
    const head = `  ${JSON.stringify(key)}: `;
    if (!Array.isArray(roles)) return head + JSON.stringify(roles);
    const oneLine = head + `[${roles.map((r) => JSON.stringify(r)).join(', ')}]`;
    if (oneLine.length < 100) return oneLine;
    return head + `[\n${roles.map((r) => `    ${JSON.stringify(r)}`).join(',\n')}\n  ]`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}

/** Who calls: one demo user per role, and no one. */
const CALLERS: { label: string; role: Role | null; username?: string }[] = [
  { label: 'anonymous', role: null },
  { label: 'admin', role: Role.Admin, username: USERS.admin },
  { label: 'supervisor', role: Role.Supervisor, username: USERS.supervisor },
  { label: 'officer', role: Role.Officer, username: USERS.officer },
  { label: 'bank_liaison', role: Role.BankLiaison, username: USERS.icbc },
  { label: 'community_police', role: Role.CommunityPolice, username: USERS.community },
];

/** Any well-formed id: allowed callers then get 404 or 400, never a change to real data. */
const SOME_ID = '00000000-0000-4000-8000-000000000000';

function assertErrorShape(res: Response, status: number, context: string): void {
  assert.equal(res.status, status, `${context}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.deepEqual(
    Object.keys(res.body as object).sort(),
    ['details', 'error', 'message', 'requestId', 'statusCode'],
    context,
  );
  const body = res.body as Record<string, unknown>;
  assert.equal(body.statusCode, status, context);
  assert.equal(body.error, status === 401 ? 'Unauthorized' : 'Forbidden', context);
  assert.equal(typeof body.message, 'string', context);
  assert.ok(Array.isArray(body.details), context);
  assert.equal(body.requestId, res.headers['x-request-id'], context);
}

describe('endpoint permissions', () => {
  let t: TestApp;
  let endpoints: Endpoint[];
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    t = await bootApp('postgres');
    endpoints = discoverEndpoints(t.app);
    for (const c of CALLERS) if (c.username) tokens.set(c.label, await t.token(c.username));
  });
  afterAll(() => t.close());

  it('declares roles (or public) on every endpoint', () => {
    const undeclared = endpoints.filter((e) => e.roles === null).map(endpointKey);
    assert.deepEqual(undeclared, [], 'endpoints without @Allow or @Public are refused to everyone');
  });

  it('matches the committed snapshot of who may call what', () => {
    const actual: RoleMap = Object.fromEntries(
      endpoints.map((e) => [endpointKey(e), e.roles ?? 'UNDECLARED']),
    );
    if (process.env.UPDATE_SNAPSHOTS === '1') {
      mkdirSync(dirname(SNAPSHOT), { recursive: true });
      writeFileSync(SNAPSHOT, formatSnapshot(actual));
    }
    assert.ok(existsSync(SNAPSHOT), `${SNAPSHOT} is missing; run with UPDATE_SNAPSHOTS=1`);
    const committed = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as RoleMap;
    assert.deepEqual(
      actual,
      committed,
      'Roles changed: review the diff, then rerun with UPDATE_SNAPSHOTS=1 to accept it',
    );
  });

  // One test per endpoint of the committed snapshot (the test above proves it is the live list).
  const committedKeys = existsSync(SNAPSHOT)
    ? Object.keys(JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as RoleMap).filter((k) =>
        k.includes(' /api/v1/'),
      )
    : [];
  it('has endpoints under /api/v1 to check', () => {
    assert.ok(committedKeys.length > 0);
  });
  for (const key of committedKeys) {
    it(`answers ${key} as declared, for every role and for no one`, async () => {
      const e = endpoints.find((x) => endpointKey(x) === key);
      assert.ok(e, `${key} is in the snapshot but not served`);
      const url = e.path.replace(/:[A-Za-z]+/g, SOME_ID);
      for (const caller of CALLERS) {
        let req = t.http()[e.method.toLowerCase() as 'get'](url);
        const token = tokens.get(caller.label);
        if (token) req = req.set('authorization', `Bearer ${token}`);
        if (['POST', 'PUT', 'PATCH'].includes(e.method)) req = req.send({});
        const res = await req;
        const what = `${caller.label} → ${key}`;
        if (e.roles === PUBLIC) {
          assert.ok(![401, 403].includes(res.status), `${what}: public, got ${res.status}`);
        } else if (!caller.role) {
          assertErrorShape(res, 401, what);
        } else if (!e.roles?.includes(caller.role)) {
          assertErrorShape(res, 403, what);
        } else {
          assert.ok(![401, 403].includes(res.status), `${what}: allowed, got ${res.status}`);
        }
        assert.ok(res.status < 500, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    });
  }
});
