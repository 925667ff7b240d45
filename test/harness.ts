import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describe } from '@jest/globals';
import { Client } from 'pg';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.js';
import type { AppConfig } from '../src/common/config/config.js';
import { withDatabase } from '../src/common/database/create-database.js';
import { OWNER_ROLE, roleUrls } from '../src/common/database/roles.js';
import { createQueueBackend, QueueBackendKind } from '../src/common/queue/queue-backend.js';
import { QueueService } from '../src/common/queue/queue.service.js';
import { DEMO_PASSWORD, testConfig, USERS } from './setup/test-config.js';

export { ADMIN, DEMO_PASSWORD, USERS } from './setup/test-config.js';

let counter = 0;
/**
 * Unique per test file: Jest runs many files in one worker process, so the pid alone would repeat;
 * the module is evaluated afresh for each file, so `counter` starts again at 0 in each.
 */
const FILE_ID = `${process.pid}_${randomBytes(4).toString('hex')}`;
type TestAgent = ReturnType<typeof request>;

/** The queue backends this run tests: PostgreSQL always, Redis when the run has one. */
export function queueBackends(): QueueBackendKind[] {
  return process.env.JW_TEST_REDIS_URL ? ['postgres', 'redis'] : ['postgres'];
}

/**
 * A database of this run, named like every other (`jw_t_<template>_<file>_<n>`), so the run's
 * teardown drops it too when the file dies before its own `drop`; `create` makes it.
 */
async function runDatabase(
  create: (admin: Client, name: string) => Promise<void>,
): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.JW_TEST_ADMIN_URL;
  const template = process.env.JW_TEST_TEMPLATE;
  if (!adminUrl || !template)
    throw new Error('Run the tests with npm test (it prepares the servers)');
  const name = `jw_t_${template.replace('jw_tpl_', '')}_${FILE_ID}_${++counter}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await create(admin, name);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, name),
    drop: async () => {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A fresh database for one test file (or one backend of it): a clone of the migrated, seeded template. */
export function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  return runDatabase(async (admin, name) => {
    const template = process.env.JW_TEST_TEMPLATE ?? '';
    for (let attempt = 0; ; attempt++) {
      try {
        // Owned by the owner role, like the template (global-setup provisioned the roles).
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template} OWNER ${OWNER_ROLE}`);
        return;
      } catch (err) {
        // Two files cloning at the same instant can collide on the template; try again.
        if (attempt >= 20 || !/being accessed by other users/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  });
}

/**
 * An empty database of this run (no template: not migrated, no roles handed over), for tests of the
 * migrations and of provisioning themselves.
 */
export function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  return runDatabase(async (admin, name) => {
    await admin.query(`CREATE DATABASE ${name}`);
  });
}

export interface TestApp {
  app: NestFastifyApplication;
  http: () => TestAgent;
  backend: QueueBackendKind;
  /** The configuration the app was booted with (queue prefix, Redis URL, …). */
  config: AppConfig;
  /** A superuser URL of this file's database (what a single DATABASE_URL names). */
  databaseUrl: string;
  /** The app role's URL of this file's database: what the app connects with. */
  appDatabaseUrl: string;
  /** A superuser connection to this file's database, for setting up and inspecting rows. */
  db: DataSource;
  token(username: string, password?: string): Promise<string>;
  /** Waits until the outbox is empty and no queue has waiting, active or delayed jobs. */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Boots the whole app (API and in-process workers) on a fresh database and the chosen queue backend. */
export async function bootApp(
  backend: QueueBackendKind = 'postgres',
  overrides: Partial<AppConfig> & { redisUrl?: string } = {},
  options: { logDestination?: DestinationStream } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const prefix = `t${FILE_ID}x${++counter}`;
  const redisUrl =
    backend === 'redis' ? (overrides.redisUrl ?? process.env.JW_TEST_REDIS_URL) : undefined;
  if (backend === 'redis' && !redisUrl) throw new Error('No Redis in this run');
  const config = testConfig({
    // The Redis variant of a suite runs its app on a pool of ONE connection: a request or job that
    // takes a second connection while it holds one (a service reading or writing through the
    // DataSource inside a transaction) waits on itself there, and fails the suite with a 503,
    // instead of leaving concurrent calls in production holding the whole pool and waiting on each
    // other. The PostgreSQL variant keeps the usual pool, so races between concurrent
    // transactions are still played out for real.
    ...(backend === 'redis' ? { databasePool: { max: 1, timeoutMs: 5000 } } : {}),
    ...overrides,
    redisUrl,
    queuePrefix: backend === 'redis' ? prefix : 'jw',
  });
  const roles = roleUrls(database.url);
  const queueBackend = createQueueBackend({
    databaseUrl: roles.appUrl,
    redisUrl,
    prefix: config.queuePrefix,
  });
  // Nothing to prepare: the clone holds BullMQ's schema, owned and granted as in the template
  // (global-setup), and Redis needs nothing.
  const app = await createApp({
    config,
    databaseUrl: roles.appUrl,
    queueBackend,
    logDestination: options.logDestination,
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const db = new DataSource({ type: 'postgres', url: database.url, extra: { max: 3 } });
  await db.initialize();
  const tokens = new Map<string, string>();

  const testApp: TestApp = {
    app,
    backend,
    config,
    databaseUrl: database.url,
    appDatabaseUrl: roles.appUrl,
    db,
    http: () => request(app.getHttpServer()),
    async token(
      username,
      password = username === USERS.admin ? (config.bootstrapAdmin?.password ?? '') : DEMO_PASSWORD,
    ) {
      const key = `${username}\n${password}`;
      const cached = tokens.get(key);
      if (cached) return cached;
      const res = await request(app.getHttpServer())
        .post('/api/v1/auth/login')
        .send({ username, password });
      if (res.status !== 200)
        throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
      tokens.set(key, res.body.accessToken as string);
      return res.body.accessToken as string;
    },
    async drain(timeoutMs = 20_000) {
      const queues = app.get(QueueService).allQueues();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [{ n }] = (await db.query(
          'SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL',
        )) as { n: number }[];
        // Right after a queue store comes back, a queue's connection may not be open yet (BullMQ
        // queues do not queue commands while offline): that is "not drained yet", not an error.
        let counts: Record<string, number>[] | string;
        try {
          counts = await Promise.all(
            queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
          );
        } catch (err) {
          counts = `queue store not answering: ${err instanceof Error ? err.message : String(err)}`;
        }
        const busy =
          typeof counts === 'string'
            ? 1
            : counts.reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0);
        if (n === 0 && busy === 0) return;
        if (Date.now() > deadline) {
          const left = `outbox pending ${n}, jobs ${JSON.stringify(counts)}`;
          throw new Error(`Queues did not drain in ${timeoutMs} ms: ${left}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await app.close();
      await db.destroy();
      await database.drop();
    },
  };
  return testApp;
}

/** Runs the same tests once per queue backend in this run. */
export function describeEachBackend(title: string, fn: (backend: QueueBackendKind) => void): void {
  for (const backend of queueBackends()) {
    describe(`${title} [queues on ${backend}]`, () => fn(backend));
  }
}

/**
 * Polls `fn` every 100 ms until it answers something other than `undefined` or `false`, and returns
 * that. A throw counts as "not yet" (an API answering 500 while its database is cut off); the last
 * one is named if the time runs out.
 */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`${what} did not happen within ${timeoutMs} ms (${String(last ?? '')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Runs a command-line script of the app (`src/cli/<name>`, the compiled test build of it) in a
 * process of its own, with the given environment and none of the test run's database, Redis or
 * data folder; answers its exit code and output.
 */
export function runScript(
  name: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const base = { ...process.env };
    for (const v of ['DATABASE_URL', 'REDIS_URL', 'DATA_DIR', 'EMBEDDED_PG_PORT']) delete base[v];
    const child = spawn(process.execPath, [join(import.meta.dirname, '../src/cli', `${name}.js`)], {
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
