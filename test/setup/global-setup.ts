import 'reflect-metadata';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { withDatabase } from '../../src/common/database/create-database';
import { runAppMigrations } from '../../src/common/database/data-source';
import { startEmbeddedPostgres } from '../../src/common/database/embedded-postgres';
import { createQueueBackend } from '../../src/common/queue/queue-backend';
import { seedTemplate } from './seed-template';
import { redisServerOnPath, startRedisServer, freePort } from './servers';

export interface TestServers {
  env: Record<string, string>;
  summary: string;
  /** How many test files may run at once within the server's connection limit. */
  concurrency: number;
  stop(): Promise<void>;
}

/**
 * Once per `npm test`: a PostgreSQL (DATABASE_URL, else a throwaway embedded one), a template
 * database migrated and seeded once (each test file clones it), and a Redis (REDIS_URL, else a
 * throwaway redis-server when one is on the PATH, else none: queue tests then run on PostgreSQL only).
 */
export async function startTestServers(): Promise<TestServers> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    let adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) {
      const dir = mkdtempSync(join(tmpdir(), 'jw-test-pg-'));
      chmodSync(dir, 0o755); // PostgreSQL runs as the postgres user when we are root
      const pg = await startEmbeddedPostgres({
        dataDir: join(dir, 'data'),
        port: await freePort(),
        persistent: false,
      });
      stops.push(() => pg.stop());
      adminUrl = withDatabase(pg.url, 'postgres');
    }
    const template = `jw_tpl_${process.pid}`;
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    const concurrency = await filesAtOnce(admin);
    await admin.query(`DROP DATABASE IF EXISTS ${template}`);
    await admin.query(`CREATE DATABASE ${template}`);
    await admin.end();
    stops.push(() => dropRunDatabases(adminUrl, template));
    const templateUrl = withDatabase(adminUrl, template);
    await runAppMigrations(templateUrl);
    await createQueueBackend({ databaseUrl: templateUrl, prefix: 'jw' }).prepare();
    await seedTemplate(templateUrl);

    let redisUrl = process.env.REDIS_URL ?? '';
    let redisFrom = redisUrl ? 'REDIS_URL' : '';
    if (!redisUrl && redisServerOnPath()) {
      const redis = await startRedisServer();
      stops.push(() => redis.stop());
      redisUrl = redis.url;
      redisFrom = 'a throwaway redis-server';
    }
    const backends = redisUrl
      ? `postgres and redis (${redisFrom})`
      : 'postgres only (no REDIS_URL and no redis-server on the PATH)';
    return {
      env: { JW_TEST_ADMIN_URL: adminUrl, JW_TEST_TEMPLATE: template, JW_TEST_REDIS_URL: redisUrl },
      summary: `PostgreSQL: ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'a throwaway embedded server'}; queue backends under test: ${backends}; ${concurrency} file(s) at a time`,
      concurrency,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * A test file's app, with queues on PostgreSQL (a pool per queue and worker) and, in some files, a
 * second worker process, may hold up to about 90 connections. The embedded server is started with
 * 300; a given server (DATABASE_URL) often has PostgreSQL's default 100, shared with whatever else
 * uses it: there files run one at a time rather than fail with "too many clients".
 */
const CONNECTIONS_PER_FILE = 90;

async function filesAtOnce(admin: Client): Promise<number> {
  const { rows } = await admin.query<{ free: number }>(
    `SELECT current_setting('max_connections')::int
            - (SELECT count(*)::int FROM pg_stat_activity) AS free`,
  );
  return Math.max(1, Math.min(2, Math.floor(rows[0].free / CONNECTIONS_PER_FILE)));
}

/** Drops the template and every database cloned from it in this run. */
async function dropRunDatabases(adminUrl: string, template: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>(
    'SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2',
    [template, `jw_t_${template.replace('jw_tpl_', '')}_%`],
  );
  for (const { datname } of rows)
    await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  await admin.end();
}
