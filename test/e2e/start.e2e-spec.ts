import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Client } from 'pg';
import { freePort } from '../setup/servers.js';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.js');

interface Started {
  child: ChildProcess;
  output: () => string;
  base: string;
}

/** `npm start` as a user runs it: no DATABASE_URL, no REDIS_URL, its own process group. */
async function start(
  dataDir: string,
  port: number,
  pgPort: number,
  logLevel = 'warn',
): Promise<Started> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    EMBEDDED_PG_PORT: String(pgPort),
    LOG_LEVEL: logLevel,
    NODE_ENV: 'development',
  };
  for (const name of [
    'DATABASE_URL',
    'REDIS_URL',
    'JWT_SECRET',
    'PII_KEY',
    'AUDIT_KEY',
    'AUDIT_ANCHOR_FILE',
    'DATABASE_OWNER_URL',
    'MIGRATION_DATABASE_URL',
    'BOOTSTRAP_ADMIN_USERNAME',
    'BOOTSTRAP_ADMIN_PASSWORD',
    'SEED_DEMO',
  ])
    delete env[name];
  const child = spawn(process.execPath, [MAIN], {
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`npm start exited with ${child.exitCode}:\n${out}`);
    try {
      if ((await fetch(`${base}/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`/health did not answer 200 within 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, output: () => out, base };
}

/** Ctrl-C in a terminal: SIGINT to the whole foreground process group. */
async function interrupt(s: Started, signal: NodeJS.Signals): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) =>
    s.child.once('exit', (code) => resolve(code)),
  );
  process.kill(-(s.child.pid as number), signal);
  return exited;
}

async function login(base: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  assert.equal(res.status, 200, `login ${username}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

async function countUnits(base: string, token: string): Promise<number> {
  const res = await fetch(`${base}/api/v1/units?limit=200`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return ((await res.json()) as { items: unknown[] }).items.length;
}

function postgresPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start on a fresh machine (embedded PostgreSQL, queues on PostgreSQL)', () => {
  let dataDir: string;
  let port: number;
  let pgPort: number;
  beforeAll(async () => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'jw-start-')), 'data');
    chmodSync(join(dataDir, '..'), 0o755);
    port = await freePort();
    pgPort = await freePort();
  });
  afterAll(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

  let unitsFirstRun = 0;

  it('starts with nothing given, answers /health and /docs-json, prints the logins, and the demo logins work', async () => {
    const s = await start(dataDir, port, pgPort, 'info');
    try {
      // Not a terminal (a pipe): JSON lines, each with at most one request id field; the banner last.
      const startup = s.output().split('\n').filter(Boolean);
      const logLines = startup.filter((l) => !l.startsWith('[jingwang] '));
      assert.ok(logLines.length > 0);
      for (const line of logLines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        assert.equal(entry.reqId, undefined, line);
      }
      assert.equal(
        logLines.filter((l) => /"requestId".*"requestId"/.test(l)).length,
        0,
        'one requestId per line',
      );
      const beforeRequests = startup.filter((l) => !l.includes('"request completed"'));
      assert.match(
        beforeRequests[beforeRequests.length - 1],
        /^\[jingwang\] Demo /,
        startup.join('\n'),
      );
      assert.ok(
        beforeRequests.length < 40,
        `a short start, not Nest's ~100 module and route lines:\n${startup.join('\n')}`,
      );
      assert.doesNotMatch(s.output(), /\/api\/v1\/health/);
      const health = (await (await fetch(`${s.base}/health`)).json()) as {
        queue: { backend: string };
      };
      assert.equal(health.queue.backend, 'postgres');
      const docs = await fetch(`${s.base}/docs-json`);
      assert.equal(docs.status, 200);
      assert.match(s.output(), /Docs\s+http:\/\/127\.0\.0\.1:\d+\/docs/);
      assert.match(s.output(), /Admin\s+admin \/ jingwang-admin/);
      assert.match(s.output(), /Demo\s+.*li\.officer.*\(password: jingwang-demo\)/);
      const admin = await login(s.base, 'admin', 'jingwang-admin');
      const officer = await login(s.base, 'li.officer', 'jingwang-demo');
      const cases = await fetch(`${s.base}/api/v1/cases`, {
        headers: { authorization: `Bearer ${officer}` },
      });
      const demoCases = ((await cases.json()) as { items: { caseNo: string }[] }).items;
      assert.equal(demoCases.length, 3, "the brigade's demo cases of seeds/demo-cases.json");
      unitsFirstRun = await countUnits(s.base, admin);
      assert.ok(unitsFirstRun >= 10);

      // The app runs as jingwang_app; the tables are jingwang_owner's (docs/DECISIONS.md).
      const pg = new Client({
        connectionString: `postgres://postgres:jingwang@127.0.0.1:${pgPort}/jingwang`,
      });
      await pg.connect();
      try {
        const users = await pg.query<{ usename: string }>(
          `SELECT DISTINCT usename FROM pg_stat_activity
            WHERE datname = 'jingwang' AND pid <> pg_backend_pid() ORDER BY usename`,
        );
        assert.deepEqual(
          users.rows.map((r) => r.usename),
          ['jingwang_app'],
        );
        const owner = await pg.query<{ owner: string }>(
          `SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'audit_events'::regclass`,
        );
        assert.equal(owner.rows[0].owner, 'jingwang_owner');
      } finally {
        await pg.end();
      }
    } finally {
      const pgPid = postgresPid(dataDir);
      const code = await interrupt(s, 'SIGINT');
      assert.equal(code, 0, s.output());
      assert.match(s.output(), /SIGINT: shutting down[\s\S]*Stopped/);
      assert.equal(alive(pgPid), false, 'PostgreSQL stopped with the app: no orphan');
    }
  });

  it('a second start reuses the data: same logins, no duplicate seeds; SIGTERM stops it cleanly', async () => {
    assert.ok(existsSync(join(dataDir, 'pg', 'PG_VERSION')));
    const s = await start(dataDir, port, pgPort);
    try {
      assert.doesNotMatch(s.output(), /Applied migrations/);
      const admin = await login(s.base, 'admin', 'jingwang-admin');
      assert.equal(await countUnits(s.base, admin), unitsFirstRun);
    } finally {
      const pgPid = postgresPid(dataDir);
      assert.equal(await interrupt(s, 'SIGTERM'), 0, s.output());
      assert.equal(alive(pgPid), false);
    }
  });
});
