import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { withDatabase } from '../../src/common/database/create-database.js';
import { runAppMigrations } from '../../src/common/database/data-source.js';
import { provisionRoles } from '../../src/common/database/roles.js';
import { startEmbeddedPostgres } from '../../src/common/database/embedded-postgres.js';
import { createQueueBackend } from '../../src/common/queue/queue-backend.js';
import { recordServerPid } from './run-folder.js';
import { seedTemplate } from './seed-template.js';
import { redisServerOnPath, startRedisServer, freePort } from './servers.js';

export interface TestServers {
  env: Record<string, string>;
  summary: string;
  stop(): Promise<void>;
}

/**
 * Once per `npm test`: a PostgreSQL (DATABASE_URL, a superuser, else a throwaway embedded one),
 * the owner and app roles, a template database migrated and seeded once (each test file clones it), and a Redis (REDIS_URL, else a
 * throwaway redis-server when one is on the PATH, else none: queue tests then run on PostgreSQL only).
 */
export async function startTestServers(runDir: string): Promise<TestServers> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    let adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) {
      const dataDir = join(runDir, 'pg');
      const pg = await startEmbeddedPostgres({
        dataDir,
        port: await freePort(),
        persistent: false,
      });
      stops.push(() => pg.stop());
      recordServerPid(
        runDir,
        Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]),
      );
      adminUrl = withDatabase(pg.url, 'postgres');
    }
    const template = `jw_tpl_${process.pid}`;
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${template}`);
    await admin.query(`CREATE DATABASE ${template}`);
    await admin.end();
    stops.push(() => dropRunDatabases(adminUrl, template));
    // As in production: the owner role migrates, the app role seeds (and each file's app runs as it).
    const roles = await provisionRoles(withDatabase(adminUrl, template));
    await runAppMigrations(roles.ownerUrl, roles.appRole);
    await createQueueBackend({ databaseUrl: roles.appUrl, prefix: 'jw' }).prepare(roles);
    await seedTemplate(roles.appUrl);

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
      env: {
        JW_TEST_ADMIN_URL: adminUrl,
        JW_TEST_TEMPLATE: template,
        JW_TEST_REDIS_URL: redisUrl,
        JW_TEST_RUN_DIR: runDir,
      },
      summary: `PostgreSQL: ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'a throwaway embedded server'}; queue backends under test: ${backends}`,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
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
