import { DataSource, DataSourceOptions } from 'typeorm';
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
    applicationName: 'jingwang',
  };
}

/** Advisory lock id held while migrating, so replicas starting together do not race. */
const MIGRATION_LOCK = 7316240201;

/**
 * Runs the app's pending migrations under a session advisory lock, as the schema's owner (`url`),
 * then grants the app's role (when given) what it may do, under the same lock.
 */
export async function runAppMigrations(url: string, appRole?: string): Promise<string[]> {
  const ds = new DataSource(dataSourceOptions(url, 2));
  await ds.initialize();
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
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
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
    await ds.destroy();
  }
}
