// A request that gets no database connection in time (every connection of the pool busy for
// DATABASE_POOL_TIMEOUT_MS, as when many slow writes run at once) is a 503 with Retry-After in the
// one error shape, and is logged; never a 500. A real pool timeout: a two-connection pool whose
// connections the test holds.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { DataSource, type QueryRunner } from 'typeorm';
import { bootApp, TestApp, USERS } from '../harness.js';

describe('a database pool with no free connection', () => {
  let t: TestApp;
  const lines: string[] = [];
  beforeAll(async () => {
    t = await bootApp(
      'postgres',
      { runWorkers: false, databasePool: { max: 2, timeoutMs: 500 }, logLevel: 'warn' },
      { logDestination: { write: (line: string) => void lines.push(line) } },
    );
  });
  afterAll(() => t.close());

  it('answers 503 with Retry-After, logs it, and serves again once a connection is free', async () => {
    const admin = await t.token(USERS.admin);
    const auth = { authorization: `Bearer ${admin}` };
    const before = await t.http().get('/api/v1/units').set(auth);
    assert.equal(before.status, 200, before.text);

    const ds = t.app.get(DataSource);
    const held: QueryRunner[] = [ds.createQueryRunner(), ds.createQueryRunner()];
    await Promise.all(held.map((r) => r.connect()));
    let res;
    try {
      res = await t.http().get('/api/v1/units').set(auth);
    } finally {
      await Promise.all(held.map((r) => r.release()));
    }

    assert.equal(res.status, 503, res.text);
    assert.equal(res.headers['retry-after'], '1');
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.deepEqual(res.body, {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The service is busy: no database connection came free in time. Please retry.',
      details: [],
      requestId: res.headers['x-request-id'],
    });
    assert.doesNotMatch(res.text, /timeout exceeded|pg-pool|node_modules|\n\s+at /);

    const logged = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.requestId === res.body.requestId && l.level === 50);
    assert.ok(logged, `no error line for the request in ${lines.join('')}`);
    assert.match(String(logged.msg), /^No database connection free in time/);
    assert.equal(
      (logged.err as { message?: string }).message,
      'timeout exceeded when trying to connect',
    );

    const after = await t.http().get('/api/v1/units').set(auth);
    assert.equal(after.status, 200, after.text);
  });
});
