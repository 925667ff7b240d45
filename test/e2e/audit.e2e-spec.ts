import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { withDatabase, ensureDatabase } from '../../src/common/database/create-database.js';
import { runAppMigrations } from '../../src/common/database/data-source.js';
import { startEmbeddedPostgres } from '../../src/common/database/embedded-postgres.js';
import { bootApp, TestApp, USERS } from '../harness.js';
import { freePort } from '../setup/servers.js';

interface AuditRow {
  id: string;
  actor_kind: string;
  actor_id: string | null;
  actor_role: string | null;
  actor_unit_id: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  request_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

const CLI = join(import.meta.dirname, '../../src/cli/audit-verify.js');

/** Runs `npm run audit:verify`'s script (the compiled test build of it) with the given environment. */
function runCli(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const base = { ...process.env };
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'DATA_DIR', 'EMBEDDED_PG_PORT'])
      delete base[name];
    const child = spawn(process.execPath, [CLI], {
      env: {
        ...base,
        NODE_ENV: 'test',
        JWT_SECRET: randomBytes(32).toString('hex'),
        PII_KEY: randomBytes(32).toString('base64'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function auditRowsFor(t: TestApp, requestId: string): Promise<AuditRow[]> {
  const rows = (await t.db.query('SELECT * FROM audit_events WHERE request_id = $1 ORDER BY id', [
    requestId,
  ])) as AuditRow[];
  return rows.map((r) => ({ ...r, id: String(r.id) }));
}

/** Runs one statement as the superuser with the append-only trigger off, as someone tampering would. */
async function tamper(t: TestApp, sql: string, params: unknown[]): Promise<void> {
  await t.db.transaction(async (em) => {
    await em.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update');
    await em.query(sql, params);
    await em.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update');
  });
}

describe('audit log', () => {
  let t: TestApp;
  let admin: string;
  let me: { id: string; role: string; unit: { id: string } };
  const written: { action: string; entity: string; entityId: string; requestId: string }[] = [];

  beforeAll(async () => {
    t = await bootApp('postgres');
    admin = await t.token(USERS.admin);
    me = (await t.http().get('/api/v1/auth/me').set('authorization', `Bearer ${admin}`).expect(200))
      .body;
  });
  afterAll(() => t.close());

  const post = (path: string, body: object, requestId: string) =>
    t
      .http()
      .post(path)
      .set('authorization', `Bearer ${admin}`)
      .set('x-request-id', requestId)
      .send(body);

  it('creating a unit leaves one audit row naming who, what, which record, the request and the ip', async () => {
    const parent = (
      (await t.db.query("SELECT id FROM units WHERE code = 'GY-YY'")) as { id: string }[]
    )[0].id;
    const requestId = `audit-unit-${randomUUID()}`;
    const res = await post(
      '/api/v1/units',
      { kind: 'station', code: 'GY-YY-ZY', name: '云岩分局中园派出所', parentId: parent },
      requestId,
    )
      .set('x-forwarded-for', '203.0.113.7')
      .expect(201);
    assert.equal(res.headers['x-request-id'], requestId);

    const rows = await auditRowsFor(t, requestId);
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.equal(row.actor_kind, 'user');
    assert.equal(row.actor_id, me.id);
    assert.equal(row.actor_role, 'admin');
    assert.equal(row.actor_unit_id, me.unit.id);
    assert.equal(row.action, 'unit.create');
    assert.equal(row.entity, 'unit');
    assert.equal(row.entity_id, res.body.id);
    // TRUST_PROXY is off: a client-sent X-Forwarded-For cannot forge the recorded address.
    assert.equal(row.ip, '127.0.0.1', 'the socket address, not the forged header');
    assert.equal(row.details.code, 'GY-YY-ZY');
    written.push({ action: 'unit.create', entity: 'unit', entityId: res.body.id, requestId });
  });

  it('creating a user leaves one audit row, without the password', async () => {
    const unit = (
      (await t.db.query("SELECT id FROM units WHERE code = 'GY-YY-WA'")) as {
        id: string;
      }[]
    )[0].id;
    const requestId = `audit-user-${randomUUID()}`;
    const res = await post(
      '/api/v1/users',
      {
        username: 'sun.officer',
        displayName: '孙强',
        password: 'a-long-enough-password',
        role: 'officer',
        unitId: unit,
      },
      requestId,
    ).expect(201);

    const rows = await auditRowsFor(t, requestId);
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.equal(row.actor_id, me.id);
    assert.equal(row.actor_role, 'admin');
    assert.equal(row.actor_unit_id, me.unit.id);
    assert.equal(row.action, 'user.create');
    assert.equal(row.entity, 'user');
    assert.equal(row.entity_id, res.body.id);
    assert.match(row.ip ?? '', /^(::ffff:)?127\.0\.0\.1$|^::1$/);
    assert.ok(!JSON.stringify(row.details).includes('a-long-enough-password'));
    written.push({ action: 'user.create', entity: 'user', entityId: res.body.id, requestId });
  });

  it('issuing an API key leaves one audit row, without the key', async () => {
    const bank = (
      (await t.db.query("SELECT id FROM units WHERE code = 'ICBC-GY'")) as {
        id: string;
      }[]
    )[0].id;
    const requestId = `audit-key-${randomUUID()}`;
    const res = await post(
      '/api/v1/api-keys',
      { unitId: bank, name: '核心系统' },
      requestId,
    ).expect(201);

    const rows = await auditRowsFor(t, requestId);
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.equal(row.actor_id, me.id);
    assert.equal(row.actor_role, 'admin');
    assert.equal(row.actor_unit_id, me.unit.id);
    assert.equal(row.action, 'api_key.create');
    assert.equal(row.entity, 'api_key');
    assert.equal(row.entity_id, res.body.id);
    assert.match(row.ip ?? '', /^(::ffff:)?127\.0\.0\.1$|^::1$/);
    assert.ok(!JSON.stringify(row.details).includes(res.body.key as string));
    written.push({ action: 'api_key.create', entity: 'api_key', entityId: res.body.id, requestId });
  });

  it('an admin verifying the chain is told it is intact and how many rows were checked', async () => {
    const res = await t
      .http()
      .get('/api/v1/audit/verify')
      .set('authorization', `Bearer ${admin}`)
      .expect(200);
    const [{ n }] = (await t.db.query('SELECT count(*)::int AS n FROM audit_events')) as {
      n: number;
    }[];
    assert.deepEqual(res.body, { ok: true, checked: n });
    assert.ok(n >= 3);
  });

  it('an officer may not verify the chain', async () => {
    const officer = await t.token(USERS.officer);
    await t
      .http()
      .get('/api/v1/audit/verify')
      .set('authorization', `Bearer ${officer}`)
      .expect(403);
    await t.http().get('/api/v1/audit/verify').expect(401);
  });

  it("the app's own connection cannot update, delete or truncate audit rows", async () => {
    const ds = t.app.get(DataSource);
    const [{ id }] = (await t.db.query('SELECT min(id)::text AS id FROM audit_events')) as {
      id: string;
    }[];
    const refused = (err: unknown) => {
      const e = err as { code?: string; message?: string };
      assert.equal(e.code, '42501', String(e.message));
      assert.match(String(e.message), /audit_events is append-only/);
      return true;
    };
    await assert.rejects(
      ds.query(`UPDATE audit_events SET details = '{"x":1}' WHERE id = $1`, [id]),
      (err) => refused(err) && /UPDATE refused/.test(String((err as Error).message)),
    );
    await assert.rejects(
      ds.query('DELETE FROM audit_events WHERE id = $1', [id]),
      (err) => refused(err) && /DELETE refused/.test(String((err as Error).message)),
    );
    await assert.rejects(ds.query('TRUNCATE audit_events'), refused);
    const [{ n }] = (await t.db.query('SELECT count(*)::int AS n FROM audit_events WHERE id = $1', [
      id,
    ])) as { n: number }[];
    assert.equal(n, 1);
  });

  it('a row edited behind the trigger is named as content_changed, and the chain is good once restored', async () => {
    const [target] = await auditRowsFor(t, written[1].requestId);
    const [{ n: before }] = (await t.db.query(
      'SELECT count(*)::int AS n FROM audit_events WHERE id < $1',
      [target.id],
    )) as { n: number }[];
    await tamper(
      t,
      `UPDATE audit_events SET details = details || '{"role":"admin"}' WHERE id = $1`,
      [target.id],
    );

    const res = await t
      .http()
      .get('/api/v1/audit/verify')
      .set('authorization', `Bearer ${admin}`)
      .expect(200);
    assert.deepEqual(res.body, {
      ok: false,
      checked: before,
      brokenId: target.id,
      reason: 'content_changed',
    });

    await tamper(t, 'UPDATE audit_events SET details = $2::jsonb WHERE id = $1', [
      target.id,
      JSON.stringify(target.details),
    ]);
    const again = await t
      .http()
      .get('/api/v1/audit/verify')
      .set('authorization', `Bearer ${admin}`)
      .expect(200);
    assert.equal(again.body.ok, true);
  });

  it('a deleted row breaks the chain at the row after it', async () => {
    const [gone] = (await t.db.query('SELECT * FROM audit_events WHERE request_id = $1', [
      written[1].requestId,
    ])) as Record<string, unknown>[];
    const goneId = String(gone.id);
    const [{ id: nextId }] = (await t.db.query(
      'SELECT min(id)::text AS id FROM audit_events WHERE id > $1',
      [goneId],
    )) as { id: string }[];
    assert.ok(nextId, 'the deleted row is not the last one');
    await tamper(t, 'DELETE FROM audit_events WHERE id = $1', [goneId]);

    const res = await t
      .http()
      .get('/api/v1/audit/verify')
      .set('authorization', `Bearer ${admin}`)
      .expect(200);
    assert.equal(res.body.ok, false);
    assert.equal(res.body.reason, 'chain_broken');
    assert.equal(res.body.brokenId, nextId);

    // Put the row back exactly as it was, for the next tests.
    const columns = Object.keys(gone);
    await tamper(
      t,
      `INSERT INTO audit_events (${columns.join(', ')}) OVERRIDING SYSTEM VALUE
       VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      columns.map((c) => (c === 'details' ? JSON.stringify(gone[c]) : gone[c])),
    );
    const again = await t
      .http()
      .get('/api/v1/audit/verify')
      .set('authorization', `Bearer ${admin}`)
      .expect(200);
    assert.equal(again.body.ok, true);
  });

  it('npm run audit:verify prints ok and exits 0 on an intact chain', async () => {
    const [{ n }] = (await t.db.query('SELECT count(*)::int AS n FROM audit_events')) as {
      n: number;
    }[];
    const run = await runCli({ DATABASE_URL: t.databaseUrl });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.stdout, `audit chain ok: ${n} rows checked\n`);
  });

  it('npm run audit:verify names the broken row and exits 2 on a tampered chain', async () => {
    const [target] = await auditRowsFor(t, written[2].requestId);
    await tamper(t, `UPDATE audit_events SET actor_role = 'officer' WHERE id = $1`, [target.id]);
    try {
      const run = await runCli({ DATABASE_URL: t.databaseUrl });
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.equal(run.stdout.split('\n').filter(Boolean).length, 1, run.stdout);
      assert.match(
        run.stdout,
        new RegExp(`^audit chain broken at row ${target.id}: content_changed`),
      );
    } finally {
      await tamper(t, `UPDATE audit_events SET actor_role = $2 WHERE id = $1`, [
        target.id,
        target.actor_role,
      ]);
    }
    const run = await runCli({ DATABASE_URL: t.databaseUrl });
    assert.equal(run.code, 0, run.stdout + run.stderr);
  });

  it('npm run audit:verify exits 1 with a message when it cannot reach the database', async () => {
    const run = await runCli({ DATABASE_URL: withDatabase(t.databaseUrl, 'jw_no_such_database') });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /^audit verify failed: .*jw_no_such_database/);
  });
});

describe('audit:verify without DATABASE_URL', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jw-audit-cli-'));
    chmodSync(dir, 0o755); // PostgreSQL runs as the postgres user when we are root
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts the embedded PostgreSQL like npm start, and says so when the app never created its database', async () => {
    const run = await runCli({ DATA_DIR: dir, EMBEDDED_PG_PORT: String(await freePort()) });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /^audit verify failed: .*"jingwang" does not exist/);
    assert.match(run.stderr, /starting embedded PostgreSQL/);
  });

  it('uses the embedded PostgreSQL that a running app holds and leaves it running', async () => {
    const pg = await startEmbeddedPostgres({
      dataDir: join(dir, 'pg'),
      port: await freePort(),
      persistent: true,
    });
    try {
      const url = withDatabase(pg.url, 'jingwang');
      await ensureDatabase(url);
      await runAppMigrations(url);
      const run = await runCli({ DATA_DIR: dir, EMBEDDED_PG_PORT: String(await freePort()) });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(run.stdout, 'audit chain ok: 0 rows checked\n');
      const c = new Client({ connectionString: url });
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
    } finally {
      await pg.stop();
    }
  });
});
