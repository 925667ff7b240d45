import 'reflect-metadata';
import { ConfigError, loadConfig } from '../common/config/config.js';
import { withDatabase } from '../common/database/create-database.js';
import { revertLastMigration } from '../common/database/data-source.js';
import {
  runningEmbeddedPostgres,
  startEmbeddedPostgres,
  type EmbeddedServer,
} from '../common/database/embedded-postgres.js';
import { roleUrls } from '../common/database/roles.js';
import { join } from 'node:path';

/** Progress goes to stderr; stdout carries only the one-line result. */
const log = (msg: string) => process.stderr.write(`[migration-revert] ${msg}\n`);

/**
 * `npm run migration:revert`: reverts the newest applied migration, one step, as the schema's
 * owner; run it again for the next. Stop every API and worker process first (it refuses while one
 * is connected), and start the earlier release afterwards: this release would apply it again.
 * The owner: DATABASE_OWNER_URL; else the owner role provisioned under DATABASE_URL (a superuser,
 * as `npm start` needs it); without either, the embedded PostgreSQL in DATA_DIR (refused while
 * `npm start` runs it). Exit 0: reverted (`reverted <name>`) or nothing left to revert; 1: not.
 */
async function main(): Promise<number> {
  let embedded: EmbeddedServer | undefined;
  try {
    const config = loadConfig();
    let ownerUrl = config.databaseOwnerUrl;
    if (!ownerUrl && config.databaseUrl) ownerUrl = roleUrls(config.databaseUrl).ownerUrl;
    if (!ownerUrl) {
      const dataDir = join(config.dataDir, 'pg');
      if (runningEmbeddedPostgres(dataDir))
        throw new Error('npm start is running on this DATA_DIR: stop it before reverting');
      log(`No DATABASE_URL: starting the embedded PostgreSQL (data in ${dataDir})`);
      embedded = await startEmbeddedPostgres({
        dataDir,
        port: config.embeddedPgPort,
        persistent: true,
      });
      ownerUrl = roleUrls(withDatabase(embedded.url, 'jingwang')).ownerUrl;
    }
    const name = await revertLastMigration(ownerUrl);
    process.stdout.write(name ? `reverted ${name}\n` : 'no migration to revert\n');
    return 0;
  } catch (err) {
    const message =
      err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err);
    process.stdout.write(`migration revert failed: ${message.split('\n')[0]}\n`);
    if (message.includes('\n')) process.stderr.write(`${message}\n`);
    return 1;
  } finally {
    await embedded?.stop().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  () => process.exit(1),
);
