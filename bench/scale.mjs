// Scale-out on one machine (`npm run bench -- scale`): what a second process adds.
//   - API: GET /api/v1/cases/:id at 50 connections (2 s warm-up, 10 s measured), cycling over the
//     demo cases with an admin's token, against 1 API process, then 2 (`node dist/main.js`, both
//     RUN_WORKERS=false, one PostgreSQL). With 2, autocannon spreads its 50 connections over the
//     two ports (25 each, one histogram): a round-robin balancer per connection, with no proxy
//     of its own eating the cores. The rounds alternate 1, 2, 1, 2 (ROUNDS pairs) so drift in the
//     machine's load shows. The 1-process p99 is the figure of the "p99 ≤ 25 ms" target; a bare
//     Fastify hello-world is measured first for the "≥ 40 % of hello-world" ratio.
//   - Workers: deliveries/s with 1 and 2 worker processes come from bench/alerts.mjs (unthrottled
//     fake robots, both queue backends): the bench/results/alerts.json written earlier in the same
//     `npm run bench` run (BENCH_RUN_STARTED, set by bench/run.mjs) when there is one with both
//     counts, otherwise alerts.mjs is run now with ALERTS_BENCH_WORKERS=1,2 (and 2,000
//     coordinators unless COORDINATORS is set).
// Results in bench/results/scale.json. On a machine with 2 cores shared by PostgreSQL, the load
// generator and both processes, read the ratios (see docs/PERFORMANCE.md).
import autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, startChild, writeResults } from './lib.mjs';

const ROUNDS = Number(process.env.SCALE_ROUNDS ?? 2);
const CONNECTIONS = 50;
const DURATION_S = 10;
const log = (msg) => process.stdout.write(`${msg}\n`);

/** One autocannon run over one or more base URLs (connections split evenly), after a warm-up. */
async function hit(name, bases, path, { headers = {}, paths } = {}) {
  let i = 0;
  const opts = {
    url: bases.map((b) => `${b}${path}`),
    connections: CONNECTIONS,
    headers,
    requests: paths
      ? [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }]
      : undefined,
  };
  await autocannon({ ...opts, duration: 2 });
  const r = await autocannon({ ...opts, duration: DURATION_S });
  return {
    name,
    processes: bases.length,
    requestsPerSecond: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    failed: r.non2xx + r.errors + r.timeouts,
  };
}

async function apiPart() {
  const dataDir = mkdtempSync(join(tmpdir(), 'jw-bench-scale-'));
  const pgPort = await freePort();
  const dbUrl = `postgres://postgres:jingwang@127.0.0.1:${pgPort}/jingwang`;
  const [helloPort, portA, portB] = [await freePort(), await freePort(), await freePort()];
  const common = {
    DATA_DIR: dataDir,
    RUN_WORKERS: 'false',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    JWT_SECRET: 'bench-secret-0123456789-0123456789-0123456789',
    PII_KEY: Buffer.alloc(32, 7).toString('base64'),
  };
  const stops = [];
  try {
    const hello = await startChild(
      process.execPath,
      ['bench/hello.mjs'],
      { PORT: String(helloPort) },
      `http://127.0.0.1:${helloPort}/`,
    );
    stops.push(hello.stop);
    // A starts the embedded PostgreSQL and loads the demo city; B uses the same server (and
    // the same DATA_DIR, so the same generated audit key).
    const A = `http://127.0.0.1:${portA}`;
    const B = `http://127.0.0.1:${portB}`;
    const a = await startChild(
      process.execPath,
      ['dist/main.js'],
      {
        ...common,
        PORT: String(portA),
        EMBEDDED_PG_PORT: String(pgPort),
        AUDIT_ANCHOR_FILE: join(dataDir, 'anchors-a.log'),
      },
      `${A}/health`,
    );
    stops.unshift(a.stop); // stopped last of the app processes: it owns the embedded server
    const b = await startChild(
      process.execPath,
      ['dist/main.js'],
      {
        ...common,
        PORT: String(portB),
        DATABASE_URL: dbUrl,
        SEED_DEMO: 'false',
        AUDIT_ANCHOR_FILE: join(dataDir, 'anchors-b.log'),
      },
      `${B}/health`,
    );
    stops.unshift(b.stop);

    const db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    const { rows } = await db.query('SELECT id FROM cases ORDER BY id LIMIT 100');
    await db.end();
    const paths = rows.map((r) => `/api/v1/cases/${r.id}`);
    const login = await fetch(`${A}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'jingwang-admin' }),
    });
    const { accessToken } = await login.json();
    const headers = { authorization: `Bearer ${accessToken}` };
    for (const base of [A, B]) {
      const probe = await fetch(`${base}${paths[0]}`, { headers });
      if (probe.status !== 200) throw new Error(`${base}${paths[0]}: ${probe.status}`);
    }
    log(`${paths.length} demo cases; 1 process = ${A}, 2 processes = ${A} + ${B}`);

    const results = [await hit('bare Fastify hello-world', [`http://127.0.0.1:${helloPort}`], '/')];
    log(JSON.stringify(results[0]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const bases of [[A], [A, B]]) {
        const r = await hit('GET /api/v1/cases/:id', bases, paths[0], { headers, paths });
        r.round = round;
        results.push(r);
        log(JSON.stringify(r));
      }
    }
    return { results, cases: paths.length };
  } finally {
    for (const stop of stops) await stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Rows of bench/results/alerts.json with both 1 and 2 workers on some backend. */
function alertsRows(since) {
  const file = join('bench', 'results', 'alerts.json');
  if (!existsSync(file)) return null;
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  if (since && Date.parse(doc.takenAt) < Date.parse(since)) return null;
  const rows = doc.results ?? [];
  const has = (n) => rows.some((r) => r.workers === n);
  return has(1) && has(2) ? { takenAt: doc.takenAt, rows } : null;
}

function workerPart() {
  const started = new Date().toISOString();
  let found = process.env.BENCH_RUN_STARTED ? alertsRows(process.env.BENCH_RUN_STARTED) : null;
  if (found) log(`Worker figures from bench/results/alerts.json of this run (${found.takenAt})`);
  else {
    log('Running bench/alerts.mjs with 1 and 2 worker processes');
    const r = spawnSync(process.execPath, ['bench/alerts.mjs'], {
      stdio: 'inherit',
      // 2,000 coordinators unless COORDINATORS says otherwise: the ratio is the point here,
      // and four runs of 10,000 take long on loaded cores.
      env: { COORDINATORS: '2000', ...process.env, ALERTS_BENCH_WORKERS: '1,2' },
    });
    if (r.status !== 0) throw new Error(`bench/alerts.mjs exited with ${r.status}`);
    found = alertsRows(started);
    if (!found) throw new Error('bench/alerts.mjs wrote no rows with 1 and 2 workers');
  }
  // The rate field as alerts.mjs names it (publish → last delivery), whatever else it adds.
  const rate = (r) =>
    r.deliveriesPerSecondEndToEnd ??
    Object.entries(r).find(
      ([k, v]) => /^deliveriesPerSecond/.test(k) && typeof v === 'number',
    )?.[1];
  const out = [];
  for (const backend of [...new Set(found.rows.map((r) => r.backend))]) {
    const one = found.rows.find((r) => r.backend === backend && r.workers === 1);
    const two = found.rows.find(
      (r) => r.backend === backend && r.workers === 2 && r.coordinators === one?.coordinators,
    );
    if (!one || !two) continue;
    out.push({
      backend,
      coordinators: one.coordinators,
      oneWorker: rate(one),
      twoWorkers: rate(two),
      ratio: +(rate(two) / rate(one)).toFixed(2),
      exactlyOnce: [one, two].every((r) => r.robotKeysWithRepeats === 0),
    });
  }
  return { takenAt: found.takenAt, rows: out };
}

const api = await apiPart();
const workers = process.env.SCALE_WORKERS === 'skip' ? null : workerPart();

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)];
const runs = (n) => api.results.filter((r) => r.name.startsWith('GET') && r.processes === n);
const hello = api.results[0];
const summary = {
  helloRequestsPerSecond: hello.requestsPerSecond,
  oneApi: {
    requestsPerSecond: median(runs(1).map((r) => r.requestsPerSecond)),
    p99Ms: Math.max(...runs(1).map((r) => r.p99Ms)),
  },
  twoApis: {
    requestsPerSecond: median(runs(2).map((r) => r.requestsPerSecond)),
    p99Ms: Math.max(...runs(2).map((r) => r.p99Ms)),
  },
};
summary.secondApiRatio = +(
  summary.twoApis.requestsPerSecond / summary.oneApi.requestsPerSecond
).toFixed(2);
summary.oneApiVsHello = +(summary.oneApi.requestsPerSecond / hello.requestsPerSecond).toFixed(3);
const doc = writeResults('scale.json', api.results, {
  connections: CONNECTIONS,
  durationSeconds: DURATION_S,
  demoCases: api.cases,
  summary,
  workers,
  targets: { casesGetP99Ms: 25, casesGetVsHello: 0.4 },
});

log('\n| GET /cases/:id, 50 connections | round | requests/s | p50 ms | p99 ms | non-2xx |');
log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of api.results)
  log(
    `| ${r.processes === 1 && r.round ? '1 API process' : r.round ? '2 API processes' : r.name} | ${r.round ?? ''} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.failed} |`,
  );
log(
  `\nSecond API process: × ${summary.secondApiRatio} (median ${summary.oneApi.requestsPerSecond} → ${summary.twoApis.requestsPerSecond} req/s); 1 process = ${(summary.oneApiVsHello * 100).toFixed(0)} % of hello-world, worst p99 ${summary.oneApi.p99Ms} ms (target ≤ 25)`,
);
if (workers) {
  log('\n| queues | coordinators | 1 worker /s | 2 workers /s | × | exactly once |');
  log('| --- | ---: | ---: | ---: | ---: | :-: |');
  for (const w of workers.rows)
    log(
      `| ${w.backend} | ${w.coordinators} | ${w.oneWorker} | ${w.twoWorkers} | ${w.ratio} | ${w.exactlyOnce ? 'yes' : 'NO'} |`,
    );
}
log(`Results in bench/results/scale.json (${doc.takenAt})`);
