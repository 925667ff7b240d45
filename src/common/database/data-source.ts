import { DataSource, DataSourceOptions, QueryRunner } from 'typeorm';
import { migrations } from './migrations/index.js';
import { DATABASE_LOCK, grantAppRole } from './roles.js';

/**
 * TypeORM options shared by the app, the CLI scripts and the tests. Never `synchronize`. No entity
 * list here: the ground floor knows no feature's tables. In the app each module registers its own
 * (`TypeOrmModule.forFeature`, collected by `autoLoadEntities`); a script passes the few it reads.
 * `poolSize` and `connectionTimeoutMs` are the app's DATABASE_POOL_MAX and DATABASE_POOL_TIMEOUT_MS:
 * a statement that gets no connection within the timeout fails with pg-pool's timeout error, which
 * the error filter answers 503 with Retry-After (`isPoolTimeout`).
 */
export function dataSourceOptions(
  url: string,
  poolSize = 10,
  entities: DataSourceOptions['entities'] = [],
  connectionTimeoutMs = 5000,
  applicationName = 'jingwang',
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    extra: { max: poolSize, connectionTimeoutMillis: connectionTimeoutMs },
    applicationName,
  };
}

/** Advisory lock id held while migrating, so replicas starting together do not race. */
const MIGRATION_LOCK = 7316240201;

/**
 * Runs `fn` on a DataSource of the owner (`url`) holding the migrations' session advisory lock on
 * one of its connections (`runner`), so replicas starting together, or a revert, never race.
 */
async function underMigrationLock<T>(
  url: string,
  applicationName: string,
  fn: (ds: DataSource, runner: QueryRunner) => Promise<T>,
): Promise<T> {
  const ds = new DataSource(dataSourceOptions(url, 2, [], 5000, applicationName));
  await ds.initialize();
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      return await fn(ds, runner);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
    await ds.destroy();
  }
}

/**
 * Runs the app's pending migrations under a session advisory lock, as the schema's owner (`url`),
 * then grants the app's role (when given) what it may do, under the same lock.
 */
export function runAppMigrations(url: string, appRole?: string): Promise<string[]> {
  return underMigrationLock(url, 'jingwang', async (ds, runner) => {
    const done = await ds.runMigrations({ transaction: 'each' });
    if (appRole) {
      // provisionRoles changes owners and grants of the same catalog rows under DATABASE_LOCK: two
      // processes starting at once (one provisioning, one granting) failed with "tuple
      // concurrently updated".
      await runner.query('SELECT pg_advisory_lock($1)', [DATABASE_LOCK]);
      try {
        await grantAppRole((sql) => runner.query(sql), appRole);
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [DATABASE_LOCK]);
      }
    }
    return done.map((m) => m.name);
  });
}

/**
 * Reverts the newest applied migration (one step, what `typeorm migration:revert` does) as the
 * schema's owner (`url`), under the migrations' lock; answers its name, or null when none is
 * applied. Refuses while a process of the app (application name 'jingwang') is connected to the
 * database: it would go on with a schema it no longer matches. A `down` that would lose what no
 * release could get back refuses with its own message (docs/DECISIONS.md, Rolling back).
 */
export function revertLastMigration(url: string): Promise<string | null> {
  return underMigrationLock(url, 'jingwang-migration-revert', async (ds, runner) => {
    const [{ n }] = (await runner.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'jingwang'`,
    )) as { n: number }[];
    if (n > 0)
      throw new Error(
        `${n} connection(s) of the app are open on this database: stop every API and worker ` +
          'process before reverting a migration',
      );
    const last = (await runner.query(
      'SELECT name FROM migrations ORDER BY "timestamp" DESC, id DESC LIMIT 1',
    )) as { name: string }[];
    if (!last.length) return null;
    await ds.undoLastMigration({ transaction: 'each' });
    return last[0].name;
  });
}
