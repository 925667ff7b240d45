// Jest runs the compiled tree (dist-test/, built by `npm test`'s pretest with tsc), as native ES
// modules (`--experimental-vm-modules`) and with no transform: the tests load the same module
// format and the same dependency code as production. See docs/DECISIONS.md.
import pg from 'pg';

/**
 * A test file's app, with queues on PostgreSQL (a pool per queue and worker), may hold up to about
 * 90 connections. The embedded server has 300; a given server (DATABASE_URL) often has
 * PostgreSQL's default 100, shared with whatever else uses it: there files run one at a time
 * rather than fail with "too many clients".
 */
const CONNECTIONS_PER_FILE = 90;

async function filesAtOnce() {
  if (process.env.TEST_CONCURRENCY) return Number(process.env.TEST_CONCURRENCY);
  if (!process.env.DATABASE_URL) return 2;
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT current_setting('max_connections')::int
              - (SELECT count(*)::int FROM pg_stat_activity) AS free`,
    );
    return Math.max(1, Math.min(2, Math.floor(rows[0].free / CONNECTIONS_PER_FILE)));
  } finally {
    await client.end();
  }
}

export default async () => ({
  rootDir: 'dist-test',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.js', '**/*.e2e-spec.js'],
  testEnvironment: 'node',
  transform: {},
  globalSetup: '<rootDir>/test/setup/jest-global-setup.js',
  globalTeardown: '<rootDir>/test/setup/jest-global-teardown.js',
  maxWorkers: await filesAtOnce(),
  // Test files run in worker processes, recycled once one holds more than this after a file, even
  // when one file runs at a time (Jest would otherwise run them all in its own process). Under
  // --experimental-vm-modules each file's module graph stays in the process that ran it: the
  // one-at-a-time run against a given server (110 files) reached Node's ~4 GB heap limit and died.
  workerIdleMemoryLimit: '1GB',
  // A test (or hook) that waits longer than this fails instead of stalling the run, and a file
  // that left a connection open does not keep the run from ending (its servers are stopped by the
  // global teardown all the same).
  testTimeout: 90_000,
  forceExit: true,
  cacheDirectory: '<rootDir>/../node_modules/.cache/jest',
  verbose: true,
});
