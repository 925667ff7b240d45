import { DataSource, DataSourceOptions } from 'typeorm';
import { migrations } from './migrations/index.js';
import { entities } from './entities.js';

/** TypeORM options shared by the app, the CLI scripts and the tests. Never `synchronize`. */
export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    extra: { max: poolSize, connectionTimeoutMillis: 5000 },
    applicationName: 'jingwang',
  };
}

/** Advisory lock id held while migrating, so replicas starting together do not race. */
const MIGRATION_LOCK = 7316240201;

/** Runs the app's pending migrations under a session advisory lock. */
export async function runAppMigrations(url: string): Promise<string[]> {
  const ds = new DataSource({ ...dataSourceOptions(url, 2), entities: [] });
  await ds.initialize();
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const done = await ds.runMigrations({ transaction: 'each' });
      return done.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
    await ds.destroy();
  }
}
