import { join } from 'node:path';
import { AppConfig } from './common/config/config.js';
import { ensureDatabase, withDatabase } from './common/database/create-database.js';
import { runAppMigrations } from './common/database/data-source.js';
import {
  EmbeddedServer,
  runningEmbeddedPostgres,
  startEmbeddedPostgres,
} from './common/database/embedded-postgres.js';
import { assertAppRole, DatabaseRoles, provisionRoles, roleOf } from './common/database/roles.js';
import { createQueueBackend, QueueBackend } from './common/queue/queue-backend.js';

export interface Runtime {
  /** The app's connections: its own role, neither owner nor superuser (the URL as given without `prepare`). */
  databaseUrl: string;
  queueBackend: QueueBackend;
  embedded: boolean;
  /** Stops what this runtime started (the embedded PostgreSQL). */
  stop(): Promise<void>;
}

/**
 * Everything the app needs before it can start: a PostgreSQL (the given one, or an embedded one
 * with its data in DATA_DIR/pg), the database roles, the app's migrations (run by the owner), and
 * the queue store (BullMQ's migrations when it runs on PostgreSQL).
 *
 * Roles: with DATABASE_OWNER_URL, migrations run over it and the app uses DATABASE_URL as given.
 * With DATABASE_URL alone (or the embedded server), that URL must name a superuser, which creates
 * the owner and app roles (src/common/database/roles.ts); the app then connects as the app role.
 */
export async function prepareRuntime(
  config: AppConfig,
  log: (msg: string) => void,
  options: {
    /**
     * Use the embedded server another process (`npm start`) already runs on DATA_DIR, instead of
     * stopping it to start our own. For the worker process and command-line tools.
     */
    shareRunning?: boolean;
    /**
     * Create the database, the roles, and run migrations (not for tools that only read, like
     * audit:verify, which connect with the URL as given).
     */
    prepare?: boolean;
  } = {},
): Promise<Runtime> {
  let embedded: EmbeddedServer | undefined;
  let databaseUrl = config.databaseUrl;
  const running =
    !databaseUrl && options.shareRunning
      ? runningEmbeddedPostgres(join(config.dataDir, 'pg'))
      : undefined;
  if (running) {
    log(`No DATABASE_URL: using the embedded PostgreSQL already running on port ${running.port}`);
    databaseUrl = withDatabase(running.url, 'jingwang');
  } else if (!databaseUrl) {
    log(
      `No DATABASE_URL: starting embedded PostgreSQL on 127.0.0.1:${config.embeddedPgPort} (data in ${join(config.dataDir, 'pg')})`,
    );
    embedded = await startEmbeddedPostgres({
      dataDir: join(config.dataDir, 'pg'),
      port: config.embeddedPgPort,
      persistent: true,
    });
    databaseUrl = withDatabase(embedded.url, 'jingwang');
  }
  try {
    let roles: DatabaseRoles | undefined;
    if (options.prepare !== false) {
      if (config.databaseOwnerUrl) {
        await ensureDatabase(config.databaseOwnerUrl);
        roles = {
          ownerUrl: config.databaseOwnerUrl,
          appUrl: databaseUrl,
          appRole: roleOf(databaseUrl),
        };
      } else {
        await ensureDatabase(databaseUrl);
        roles = await provisionRoles(databaseUrl);
      }
      await assertAppRole(roles.appUrl, roleOf(roles.ownerUrl));
      const applied = await runAppMigrations(roles.ownerUrl, roles.appRole);
      if (applied.length) log(`Applied migrations: ${applied.join(', ')}`);
    }
    const appUrl = roles?.appUrl ?? databaseUrl;
    const queueBackend = createQueueBackend({
      databaseUrl: appUrl,
      redisUrl: config.redisUrl,
      prefix: config.queuePrefix,
    });
    if (roles) {
      await queueBackend.prepare(roles);
      log(`Queues run on ${queueBackend.kind === 'redis' ? 'Redis' : 'PostgreSQL'}`);
    }
    return {
      databaseUrl: appUrl,
      queueBackend,
      embedded: !!embedded,
      stop: async () => embedded?.stop(),
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}

/** Runs `close` once on SIGINT/SIGTERM; a second signal exits at once. */
export function onShutdownSignal(close: () => Promise<void>, log: (msg: string) => void): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) {
      log(`${signal} again: exiting now`);
      process.exit(1);
    }
    closing = true;
    log(`${signal}: shutting down`);
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`Shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
