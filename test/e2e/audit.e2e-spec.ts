import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { latestAnchor, parseAnchors } from '../../src/common/audit/audit-anchor.js';
import { legacyAuditHash } from '../../src/common/audit/audit-hash.js';
import { AuditService } from '../../src/common/audit/audit.service.js';
import { withDatabase, ensureDatabase } from '../../src/common/database/create-database.js';
import { runAppMigrations } from '../../src/common/database/data-source.js';
import { startEmbeddedPostgres } from '../../src/common/database/embedded-postgres.js';
import { bootApp, eventually, runScript, TestApp, USERS } from '../harness.js';
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
  client_request_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/** Runs `npm run audit:verify`'s script (the compiled test build of it) with the given environment. */
const runCli = (env: Record<string, string>) => runScript('audit-verify', env);

/** The audit rows of the requests that sent this X-Request-Id (kept beside the server's own id). */
async function auditRowsFor(t: TestApp, clientRequestId: string): Promise<AuditRow[]> {
  const rows = (await t.db.query(
    'SELECT * FROM audit_events WHERE client_request_id = $1 ORDER BY id',
    [clientRequestId],
  )) as AuditRow[];
  return rows.map((r) => ({ ...r, id: String(r.id) }));
}

/** audit:verify on the test's database, with the app's audit key and anchor file. */
function verifyCli(t: TestApp, env: Record<string, string> = {}) {
  return runCli({
    DATABASE_URL: t.databaseUrl,
    AUDIT_KEY: t.config.auditKey.toString('base64'),
    AUDIT_ANCHOR_FILE: t.config.auditAnchor.file,
    ...env,
  });
}

const verify = async (t: TestApp, token: string) =>
  (await t.http().get('/api/v1/audit/verify').set('authorization', `Bearer ${token}`).expect(200))
    .body as Record<string, unknown>;

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

    const rows = await auditRowsFor(t, requestId);
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.equal(row.request_id, res.headers['x-request-id'], "the server's own request id");
    assert.match(row.request_id ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(row.client_request_id, requestId, "the client's, beside it");
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

  it('the app connects as its own role, neither superuser nor owner', async () => {
    const [me] = (await t.app
      .get(DataSource)
      .query(
        `SELECT current_user AS role, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user`,
      )) as { role: string; superuser: boolean }[];
    assert.deepEqual(me, { role: 'jingwang_app', superuser: false });
    const [{ owner }] = (await t.db.query(
      `SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'audit_events'::regclass`,
    )) as { owner: string }[];
    assert.equal(owner, 'jingwang_owner');
  });

  it("the app's role cannot update, delete, truncate, or switch off or drop the audit triggers", async () => {
    const [{ id }] = (await t.db.query('SELECT min(id)::text AS id FROM audit_events')) as {
      id: string;
    }[];
    const [{ n: before }] = (await t.db.query('SELECT count(*)::int AS n FROM audit_events')) as {
      n: number;
    }[];
    const app = new Client({ connectionString: t.appDatabaseUrl });
    await app.connect();
    try {
      const refused = async (what: string, ...statements: string[]) => {
        await app.query('BEGIN');
        try {
          await assert.rejects(
            (async () => {
              for (const sql of statements) await app.query(sql, sql.includes('$1') ? [id] : []);
            })(),
            (err: { code?: string; message?: string }) => {
              // 42501: insufficient privilege; 42P01/42704 never (the objects exist).
              assert.equal(err.code, '42501', `${what}: ${err.message}`);
              return true;
            },
            what,
          );
        } finally {
          await app.query('ROLLBACK');
        }
      };
      await refused('UPDATE', `UPDATE audit_events SET details = '{"x":1}' WHERE id = $1`);
      await refused('DELETE', 'DELETE FROM audit_events WHERE id = $1');
      await refused('TRUNCATE', 'TRUNCATE audit_events');
      await refused(
        'replica mode, then DELETE',
        'SET LOCAL session_replication_role = replica',
        'DELETE FROM audit_events WHERE id = $1',
      );
      await refused(
        'DISABLE TRIGGER',
        'ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update',
      );
      await refused('DROP TRIGGER', 'DROP TRIGGER audit_events_no_update ON audit_events');
      await refused('DROP TABLE', 'DROP TABLE audit_events');
      await refused('SET ROLE owner', 'SET ROLE jingwang_owner');
      // It may still read and append: the chain is its to extend, not to change.
      const rows = await app.query('SELECT count(*)::int AS n FROM audit_events');
      assert.equal(rows.rows[0].n, before);
    } finally {
      await app.end();
    }
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

  it('a row deleted by a superuser is named, through the API and by npm run audit:verify', async () => {
    const [gone] = (await t.db.query('SELECT * FROM audit_events WHERE client_request_id = $1', [
      written[1].requestId,
    ])) as Record<string, unknown>[];
    const goneId = String(gone.id);
    const [{ id: nextId }] = (await t.db.query(
      'SELECT min(id)::text AS id FROM audit_events WHERE id > $1',
      [goneId],
    )) as { id: string }[];
    assert.ok(nextId, 'the deleted row is not the last one');
    const [{ n: before }] = (await t.db.query(
      'SELECT count(*)::int AS n FROM audit_events WHERE id < $1',
      [goneId],
    )) as { n: number }[];
    await tamper(t, 'DELETE FROM audit_events WHERE id = $1', [goneId]);
    try {
      assert.deepEqual(await verify(t, admin), {
        ok: false,
        checked: before,
        brokenId: goneId,
        reason: 'rows_missing',
        missingTo: goneId,
      });
      const run = await verifyCli(t);
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.equal(
        run.stdout,
        `audit chain broken at row ${goneId}: rows_missing (row ${goneId} is missing; ${before} rows before it are good)\n`,
      );
    } finally {
      // Put the row back exactly as it was, for the next tests.
      const columns = Object.keys(gone);
      await tamper(
        t,
        `INSERT INTO audit_events (${columns.join(', ')}) OVERRIDING SYSTEM VALUE
         VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        columns.map((c) => (c === 'details' ? JSON.stringify(gone[c]) : gone[c])),
      );
    }
    assert.equal((await verify(t, admin)).ok, true);
  });

  it('a row rewritten and rehashed with plain SHA-256 (without the audit key) is named', async () => {
    const [target] = await auditRowsFor(t, written[0].requestId);
    const [raw] = (await t.db.query(
      'SELECT occurred_at, prev_hash, hash, keyed FROM audit_events WHERE id = $1',
      [target.id],
    )) as { occurred_at: Date; prev_hash: string; hash: string; keyed: boolean }[];
    const forgedDetails = { ...target.details, code: 'GY-FORGED' };
    const forgedHash = legacyAuditHash(raw.prev_hash, {
      occurredAt: raw.occurred_at,
      actorKind: target.actor_kind as 'user',
      actorId: target.actor_id,
      actorRole: target.actor_role,
      actorUnitId: target.actor_unit_id,
      action: target.action,
      entity: target.entity,
      entityId: target.entity_id,
      requestId: target.request_id,
      clientRequestId: target.client_request_id,
      ip: target.ip,
      details: forgedDetails,
    });
    // Both ways a forger could try: keep the row marked keyed, or pass it off as a pre-key row.
    for (const keyed of [true, false]) {
      await tamper(
        t,
        'UPDATE audit_events SET details = $2::jsonb, hash = $3, keyed = $4 WHERE id = $1',
        [target.id, JSON.stringify(forgedDetails), forgedHash, keyed],
      );
      const body = await verify(t, admin);
      assert.equal(body.ok, false, `keyed=${keyed}`);
      assert.equal(body.brokenId, target.id);
      assert.equal(body.reason, 'content_changed');
    }
    await tamper(
      t,
      'UPDATE audit_events SET details = $2::jsonb, hash = $3, keyed = $4 WHERE id = $1',
      [target.id, JSON.stringify(target.details), raw.hash, raw.keyed],
    );
    assert.equal((await verify(t, admin)).ok, true);
  });

  it('the last rows deleted by a superuser are found missing against the anchor kept outside the database', async () => {
    await t.drain();
    await t.app.get(AuditService).anchor();
    const tail = (await t.db.query(
      'SELECT * FROM audit_events ORDER BY id DESC LIMIT 2',
    )) as Record<string, unknown>[];
    const [last, secondLast] = tail.map((r) => String(r.id));
    const anchored = await verify(t, admin);
    assert.equal(anchored.ok, true);
    assert.equal(anchored.anchoredId, last);

    await tamper(t, 'DELETE FROM audit_events WHERE id >= $1', [secondLast]);
    try {
      const body = await verify(t, admin);
      assert.equal(body.ok, false);
      assert.equal(body.reason, 'tail_truncated');
      assert.equal(body.brokenId, secondLast);
      assert.equal(body.missingTo, last);
      const run = await verifyCli(t);
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.match(
        run.stdout,
        new RegExp(
          `^audit chain broken at row ${secondLast}: tail_truncated \\(rows ${secondLast}-${last} are missing`,
        ),
      );
      // Without the anchor file the same database looks whole: the anchor is what finds it.
      const unanchored = await verifyCli(t, {
        AUDIT_ANCHOR_FILE: join(tmpdir(), 'jw-no-anchors.log'),
      });
      assert.equal(unanchored.code, 0, unanchored.stdout);
    } finally {
      for (const row of tail.reverse()) {
        const columns = Object.keys(row);
        await tamper(
          t,
          `INSERT INTO audit_events (${columns.join(', ')}) OVERRIDING SYSTEM VALUE
           VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
          columns.map((c) => (c === 'details' ? JSON.stringify(row[c]) : row[c])),
        );
      }
    }
    assert.equal((await verify(t, admin)).ok, true);
  });

  it('a row appended through the app role by hand (without the key) is named', async () => {
    const app = new Client({ connectionString: t.appDatabaseUrl });
    await app.connect();
    try {
      const { rows } = await app.query<{ id: string }>(
        `INSERT INTO audit_events (occurred_at, actor_kind, action, entity, prev_hash, hash, keyed)
         SELECT now(), 'system', 'forged', 'none', hash, repeat('a', 64), true
           FROM audit_events ORDER BY id DESC LIMIT 1 RETURNING id::text`,
      );
      const body = await verify(t, admin);
      assert.equal(body.ok, false);
      assert.equal(body.brokenId, rows[0].id);
      assert.equal(body.reason, 'content_changed');
      await tamper(t, 'DELETE FROM audit_events WHERE id = $1', [rows[0].id]);
    } finally {
      await app.end();
    }
  });

  it('npm run audit:verify prints ok and exits 0 on an intact chain', async () => {
    const [{ n }] = (await t.db.query('SELECT count(*)::int AS n FROM audit_events')) as {
      n: number;
    }[];
    const run = await verifyCli(t);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      new RegExp(`^audit chain ok: ${n} rows checked, anchored through row \\d+\n$`),
    );
  });

  it('npm run audit:verify names the broken row and exits 2 on a tampered chain', async () => {
    const [target] = await auditRowsFor(t, written[2].requestId);
    await tamper(t, `UPDATE audit_events SET actor_role = 'officer' WHERE id = $1`, [target.id]);
    try {
      const run = await verifyCli(t);
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
    const run = await verifyCli(t);
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
      assert.equal(
        run.stdout,
        `audit chain ok: 0 rows checked, no anchor in ${join(dir, 'audit-anchors.log')}\n`,
      );
      const c = new Client({ connectionString: url });
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
    } finally {
      await pg.stop();
    }
  });
});

describe('audit anchors outside the database', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jw-anchors-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function head(t: TestApp): Promise<{ id: string; hash: string }> {
    const [row] = (await t.db.query(
      'SELECT id::text AS id, hash FROM audit_events ORDER BY audit_events.id DESC LIMIT 1',
    )) as { id: string; hash: string }[];
    return row;
  }
  const anchorsIn = (t: TestApp, file: string) =>
    parseAnchors(t.config.auditKey, existsSync(file) ? readFileSync(file, 'utf8') : '');

  it("the chain's head is appended to the anchor file every interval, signed with the audit key", async () => {
    const file = join(dir, 'interval.log');
    const t = await bootApp('postgres', { auditAnchor: { file, intervalMs: 200 } });
    try {
      await t.token(USERS.officer); // a login: one more audit row
      const now = await head(t);
      const anchored = await eventually('the head anchored', async () => {
        const { anchors, invalid } = anchorsIn(t, file);
        assert.equal(invalid, undefined);
        const latest = latestAnchor(anchors);
        return latest?.id === now.id ? latest : undefined;
      });
      assert.equal(anchored.hash, now.hash);
    } finally {
      await t.close();
    }
  });

  it("the chain's head is anchored when the app shuts down", async () => {
    const file = join(dir, 'shutdown.log');
    const t = await bootApp('postgres', { auditAnchor: { file, intervalMs: 0 } });
    let now: { id: string; hash: string } | undefined;
    try {
      await t.token(USERS.officer);
      now = await head(t);
      assert.equal(existsSync(file), false, 'no timer: nothing anchored yet');
    } finally {
      await t.close();
    }
    const { anchors, invalid } = anchorsIn(t, file);
    assert.equal(invalid, undefined);
    assert.deepEqual(
      anchors.map((a) => [a.id, a.hash]),
      [[now.id, now.hash]],
    );
  });
});
