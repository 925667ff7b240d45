import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Client } from 'pg';
import { runAppMigrations } from '../../src/common/database/data-source.js';
import { roleUrls } from '../../src/common/database/roles.js';
import { createQueueBackend } from '../../src/common/queue/queue-backend.js';
import { createEmptyDatabase } from '../harness.js';

const WORKER = join(import.meta.dirname, '..', '..', 'src', 'worker.js');

async function query<T>(url: string, sql: string): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

/** `npm run worker` with the given database URLs, until it runs (then SIGTERM) or exits. */
function runWorker(env: Record<string, string>): Promise<{ started: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WORKER], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        JWT_SECRET: randomBytes(32).toString('hex'),
        PII_KEY: randomBytes(32).toString('base64'),
        AUDIT_KEY: randomBytes(32).toString('base64'),
        REDIS_URL: '',
        DATABASE_OWNER_URL: '',
        MIGRATION_DATABASE_URL: '',
        TREND_SCAN_INTERVAL_MS: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let started = false;
    const read = (c: Buffer) => {
      output += c.toString();
      if (!started && /Workers running on/.test(output)) {
        started = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', () => resolve({ started, output }));
  });
}

const OWNERS = `
  SELECT 'audit_events' AS object, pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'public.audit_events'::regclass
  UNION ALL SELECT 'migrations', pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'public.migrations'::regclass
  UNION ALL SELECT 'bullmq_jw', pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'bullmq_jw'
  UNION ALL SELECT 'bullmq_jw.job', pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'bullmq_jw.job'::regclass
  UNION ALL SELECT 'audit_events_append_only()', pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'audit_events_append_only'
  ORDER BY 1`;

describe('database roles', () => {
  let url: string;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ url, drop } = await createEmptyDatabase());
  });
  afterAll(async () => {
    await drop?.();
  });

  it('a database migrated by the superuser before the roles existed is handed to the owner role at the next start', async () => {
    // As earlier versions left it: everything the superuser's.
    await runAppMigrations(url);
    await createQueueBackend({ databaseUrl: url, prefix: 'jw' }).prepare();
    const before = await query<{ owner: string }>(url, OWNERS);
    assert.ok(before.every((r) => r.owner !== 'jingwang_owner'));

    const run = await runWorker({ DATABASE_URL: url });
    assert.ok(run.started, run.output);
    const after = await query<{ object: string; owner: string }>(url, OWNERS);
    assert.deepEqual(
      after.map((r) => [r.object, r.owner]),
      [
        ['audit_events', 'jingwang_owner'],
        ['audit_events_append_only()', 'jingwang_owner'],
        ['bullmq_jw', 'jingwang_owner'],
        ['bullmq_jw.job', 'jingwang_owner'],
        ['migrations', 'jingwang_owner'],
      ],
    );
  });

  it('with an owner URL and an app URL, migrates as the owner and runs as the app role', async () => {
    const roles = roleUrls(url);
    const run = await runWorker({ DATABASE_URL: roles.appUrl, DATABASE_OWNER_URL: roles.ownerUrl });
    assert.ok(run.started, run.output);
    // The modules' published views: the app reads each one and writes through none.
    const views = await query<{ view: string; read: boolean; write: boolean }>(
      roles.appUrl,
      `SELECT c.relname AS view, has_table_privilege(c.oid, 'SELECT') AS read,
              has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') AS write
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'v' ORDER BY 1`,
    );
    assert.deepEqual(
      views.map((v) => v.view),
      [
        'cases_v_case_facts',
        'cases_v_case_identifiers',
        'cases_v_fraud_types',
        'cases_v_identifiers',
        'cases_v_victim_transfers',
        'identity_v_api_keys',
        'identity_v_units',
        'identity_v_users',
        'recoveries_v_allocations',
        'recoveries_v_ceremonies',
      ],
    );
    for (const v of views) assert.deepEqual(v, { view: v.view, read: true, write: false });
    // …and the owner's grant reaches the tables behind them (a view reads as its owner).
    await query(roles.appUrl, 'SELECT id, path FROM identity_v_units LIMIT 1');
  });

  it('refuses to run the app as the owner, or as a superuser given beside an owner URL', async () => {
    const roles = roleUrls(url);
    for (const appUrl of [roles.ownerUrl, url]) {
      const run = await runWorker({ DATABASE_URL: appUrl, DATABASE_OWNER_URL: roles.ownerUrl });
      assert.equal(run.started, false, run.output);
      assert.match(run.output, /must name a role that is neither/);
    }
    const [kept] = await query<{ trigger: boolean; truncate: boolean }>(
      url,
      `SELECT has_table_privilege('jingwang_owner', 'audit_events', 'TRIGGER') AS trigger,
              has_table_privilege('jingwang_owner', 'audit_events', 'TRUNCATE') AS truncate`,
    );
    assert.deepEqual(
      kept,
      { trigger: true, truncate: true },
      "the app's grants never reached the owner",
    );
  });

  it('refuses a single DATABASE_URL that is not a superuser (it cannot make the roles)', async () => {
    const run = await runWorker({ DATABASE_URL: roleUrls(url).appUrl });
    assert.equal(run.started, false, run.output);
    assert.match(run.output, /DATABASE_URL alone must name a superuser/);
  });
});
