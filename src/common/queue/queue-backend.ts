import {
  createPostgresBackend,
  DefaultJobOptions,
  Job,
  Queue,
  runMigrations,
  Worker,
  WorkerOptions,
} from 'bullmq';
import { Client } from 'pg';

export type QueueBackendKind = 'redis' | 'postgres';

/** Explicit defaults for every job: retries with backoff, failed jobs kept, completed ones trimmed. */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export interface QueueBackendConfig {
  /** The app's database; also the queue store when no Redis is given. */
  databaseUrl: string;
  redisUrl?: string;
  /** Namespaces queues: a Redis key prefix, or a PostgreSQL schema. */
  prefix: string;
}

export interface QueueBackend {
  readonly kind: QueueBackendKind;
  /**
   * Prepares the store (BullMQ's own PostgreSQL migrations; nothing for Redis). With `roles`, the
   * migrations run as the owner and the app's role is granted the queue schema.
   */
  prepare(roles?: { ownerUrl: string; appRole: string }): Promise<void>;
  createQueue(name: string): Queue;
  createWorker(
    name: string,
    processor: (job: Job, token?: string) => Promise<unknown>,
    options: Partial<Omit<WorkerOptions, 'connection'>>,
  ): Worker;
}

function redisOptions(url: string, forWorker: boolean) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // Workers block and must retry forever; producers fail fast so a Redis outage surfaces at once
    // (the outbox keeps the event and retries).
    maxRetriesPerRequest: forWorker ? null : 1,
    // Reconnect quickly after an outage (ioredis' default grows to 20 s).
    retryStrategy: (times: number) => Math.min(times * 200, 2000),
    enableOfflineQueue: forWorker,
  };
}

function pgSchema(prefix: string): string {
  return `bullmq_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`;
}

/**
 * The app's role works the queue tables, and may create in the schema: BullMQ creates a job-id
 * sequence per queue the first time a job is added to it (and drops it when the queue is
 * obliterated); those are the app role's own. Grants go on what the owner made only (granting on
 * the app's own sequences would be refused), under a lock, as concurrent GRANTs on one object fail.
 */
async function grantQueueSchema(client: Client, schema: string, appRole: string): Promise<void> {
  const app = `"${appRole.replace(/"/g, '""')}"`;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(73162405, hashtext($1))', [schema]);
    await client.query(`GRANT USAGE, CREATE ON SCHEMA "${schema}" TO ${app}`);
    const { rows } = await client.query<{ name: string; sequence: boolean }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relkind = 'S' AS sequence
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'S') AND c.relowner = current_user::regrole`,
      [schema],
    );
    for (const { name, sequence } of rows) {
      await client.query(
        sequence
          ? `GRANT USAGE, SELECT, UPDATE ON SEQUENCE ${name} TO ${app}`
          : `GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE ${name} TO ${app}`,
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * The one place that decides where BullMQ keeps its jobs: Redis when REDIS_URL is set (the
 * production choice), otherwise PostgreSQL through BullMQ 6's PostgreSQL backend. Everything else
 * talks to the Queue/Worker API and never knows which one runs.
 */
export function createQueueBackend(config: QueueBackendConfig): QueueBackend {
  if (config.redisUrl) {
    const redisUrl = config.redisUrl;
    return {
      kind: 'redis',
      prepare: async () => undefined,
      createQueue: (name) =>
        new Queue(name, {
          connection: redisOptions(redisUrl, false),
          prefix: config.prefix,
          defaultJobOptions: DEFAULT_JOB_OPTIONS,
        }),
      createWorker: (name, processor, options) =>
        new Worker(name, processor, {
          ...options,
          connection: redisOptions(redisUrl, true),
          prefix: config.prefix,
        }),
    };
  }
  const schema = pgSchema(config.prefix);
  // The queue store's commits do not wait for the disk (synchronous_commit=off): jobs are derived
  // state. What must survive a crash is in our own tables, committed synchronously: the outbox
  // (whose "sent" mark, committed after the job's add, flushes the WAL up to and including that
  // add), delivery rows (the sweeper enqueues overdue ones again) and orders (reminders are
  // reconciled at start). A crash loses at most the last fraction of a second of job moves, which
  // then run again, and every handler is idempotent. Without it each job's moves wait on a WAL
  // flush, the ceiling of the PostgreSQL backend (docs/PERFORMANCE.md).
  const connection = () => ({
    connectionString: config.databaseUrl,
    schema,
    max: 4,
    options: '-c synchronous_commit=off',
  });
  return {
    kind: 'postgres',
    prepare: async (roles) => {
      const client = new Client({ connectionString: roles?.ownerUrl ?? config.databaseUrl });
      await client.connect();
      try {
        // Replicas starting together (two workers at once) must not run BullMQ's schema
        // migrations side by side: one failed with "tuple concurrently updated" (scale-out test).
        // A session lock, released when the connection ends.
        await client.query('SELECT pg_advisory_lock(73162406, hashtext($1))', [schema]);
        await runMigrations(client, schema);
        if (roles) await grantQueueSchema(client, schema, roles.appRole);
      } finally {
        await client.end();
      }
    },
    // The classes are typed by their backend; callers use the common Queue/Worker API, so the
    // PostgreSQL-typed instances are presented under the default types here, in this one place.
    createQueue: (name) =>
      new Queue(
        name,
        { connection: connection(), defaultJobOptions: DEFAULT_JOB_OPTIONS },
        createPostgresBackend,
      ) as unknown as Queue,
    createWorker: (name, processor, options) =>
      new Worker(
        name,
        processor,
        { ...options, connection: connection() },
        createPostgresBackend,
      ) as unknown as Worker,
  };
}
