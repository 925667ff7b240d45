// `npm run migration:revert` (src/cli/migration-revert.ts): one step back as the schema's owner,
// refused while the app is connected; the next start applies the step again.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Client } from 'pg';
import { runAppMigrations } from '../../src/common/database/data-source.js';
import { migrations } from '../../src/common/database/migrations/index.js';
import { roleUrls } from '../../src/common/database/roles.js';
import { createTestDatabase, runScript } from '../harness.js';

describe('npm run migration:revert', () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Client;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await database.drop();
  });

  const newest = async () =>
    (
      (await db.query('SELECT name FROM migrations ORDER BY "timestamp" DESC LIMIT 1')) as {
        rows: { name: string }[];
      }
    ).rows[0]?.name;
  const indexExists = async (name: string) =>
    ((await db.query('SELECT 1 FROM pg_indexes WHERE indexname = $1', [name])).rowCount ?? 0) > 0;
  const names = migrations.map((m) => (m as unknown as { name: string }).name);

  it('reverts the newest migration, one step, as the owner; the next start applies it again', async () => {
    const last = names[names.length - 1];
    assert.equal(await newest(), last);
    const run = await runScript('migration-revert', { DATABASE_URL: database.url });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.stdout, `reverted ${last}\n`);
    assert.equal(await newest(), names[names.length - 2]);
    // DeliveryClaimHot's down: the warning index is back, and owned by the owner role.
    assert.equal(await indexExists('deliveries_warning_idx'), true);
    const { rows } = await db.query(
      `SELECT pg_get_userbyid(c.relowner) AS owner FROM pg_class c WHERE c.relname = 'deliveries_warning_idx'`,
    );
    assert.equal((rows[0] as { owner: string }).owner, 'jingwang_owner');
    const roles = roleUrls(database.url);
    assert.deepEqual(await runAppMigrations(roles.ownerUrl, roles.appRole), [last]);
    assert.equal(await newest(), last);
    assert.equal(await indexExists('deliveries_warning_idx'), false);
  });

  it('refuses while a process of the app is connected, and reverts nothing', async () => {
    const app = new Client({
      connectionString: roleUrls(database.url).appUrl,
      application_name: 'jingwang',
    });
    await app.connect();
    try {
      const run = await runScript('migration-revert', { DATABASE_URL: database.url });
      assert.equal(run.code, 1);
      assert.match(run.stdout, /stop every API and worker process before reverting/);
      assert.equal(await newest(), names[names.length - 1]);
    } finally {
      await app.end();
    }
  });
});
