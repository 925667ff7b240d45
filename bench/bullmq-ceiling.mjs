// BullMQ's own rate for empty jobs on one backend: the ceiling a one-job-per-delivery design could
// never pass, measured in its own process (like a worker) on the same machine and in the same run
// as the delivery figures (bench/alerts.mjs starts it). JOBS empty jobs are added in bulk, then one
// Worker with CONCURRENCY (the deliver queue's, ALERTS_DELIVER_CONCURRENCY) completes them; the
// rate is JOBS / (last completion − worker start): the adds are not counted. Queue options are the app's own
// (createQueueBackend from dist/: same defaults, same PostgreSQL connection settings).
// Prints one JSON line: { backend, jobs, concurrency, seconds, jobsPerSecond }.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const DIST = process.env.CEILING_DIST;
const JOBS = Number(process.env.CEILING_JOBS ?? 10_000);
const CONCURRENCY = Number(process.env.ALERTS_DELIVER_CONCURRENCY || 32);
const { createQueueBackend } = await import(
  pathToFileURL(join(DIST, 'common', 'queue', 'queue-backend.js')).href
);

const backend = createQueueBackend({
  databaseUrl: process.env.DATABASE_URL,
  redisUrl: process.env.REDIS_URL || undefined,
  prefix: 'jwbenchceiling',
});
await backend.prepare();
const name = 'bench-empty';
const queue = backend.createQueue(name);
await queue.obliterate({ force: true }).catch(() => undefined);

let done = 0;
let resolveAll;
const all = new Promise((r) => (resolveAll = r));
const t0 = performance.now();
for (let i = 0; i < JOBS; i += 1000)
  await queue.addBulk(
    Array.from({ length: Math.min(1000, JOBS - i) }, () => ({ name: 'empty', data: {} })),
  );
const addedS = (performance.now() - t0) / 1000;
const t1 = performance.now();
const worker = backend.createWorker(
  name,
  async () => {
    if (++done === JOBS) resolveAll();
  },
  { concurrency: CONCURRENCY, autorun: true },
);
await all;
const seconds = (performance.now() - t1) / 1000;
await worker.close();
await queue.obliterate({ force: true }).catch(() => undefined);
await queue.close();
process.stdout.write(
  `${JSON.stringify({
    backend: backend.kind,
    jobs: JOBS,
    concurrency: CONCURRENCY,
    addedS: +addedS.toFixed(2),
    seconds: +seconds.toFixed(2),
    jobsPerSecond: Math.round(JOBS / seconds),
  })}\n`,
);
process.exit(0);
