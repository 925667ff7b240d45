// A/B of GET /api/v1/cases/:id between two builds, in one run on one database, for changes to the read path:
//   node bench/cases-ab.mjs <before> <after>     (each a checkout with a built dist/, e.g. a `git worktree`)
// One embedded PostgreSQL (started and seeded by a third, idle process of <before>), GEN generated cases
// (bench/generate.mjs, default 20000; 0 = the demo cases), then ROUNDS (default 3) rounds of 50 connections for
// DURATION s (default 10) after a 2 s warm-up, on each build in turn, the order swapped every round so drift shows;
// a bare Fastify hello-world first. Each row: requests/s, p50/p99, and the app process's CPU per request
// (µs, from /proc; steadier than requests/s on a shared machine), with the load average when it started.
// Both API processes run RUN_WORKERS=false, the bench's PII key and JWT secret, LOG_LEVEL=info (as cases.mjs).
import autocannon from 'autocannon';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { generate } from './generate.mjs';
import { freePort, startChild } from './lib.mjs';

const [before, after] = process.argv.slice(2, 4).map((d) => d && resolve(d));
if (!before || !after) {
  process.stderr.write('usage: node bench/cases-ab.mjs <before-dir> <after-dir>\n');
  process.exit(2);
}
const GEN = Number(process.env.GEN ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION = Number(process.env.DURATION ?? 10);
const PII_KEY = Buffer.alloc(32, 11);
const log = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
/** CPU time (user + system) of a process so far, in ms (/proc/<pid>/stat, USER_HZ = 100). */
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

async function run(name, pid, opts) {
  await autocannon({ ...opts, connections: 50, duration: 2 });
  const la = loadavg();
  const c0 = cpuMs(pid);
  const r = await autocannon({ ...opts, connections: 50, duration: DURATION });
  return {
    name,
    requestsPerSecond: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    cpuUsPerRequest: Math.round(((cpuMs(pid) - c0) * 1000) / r.requests.total),
    failed: r.non2xx + r.errors + r.timeouts,
    loadavg: la,
  };
}

const dataDir = mkdtempSync(join(tmpdir(), 'jw-bench-cases-ab-'));
const pgPort = await freePort();
const dbUrl = `postgres://postgres:jingwang@127.0.0.1:${pgPort}/jingwang`;
const common = {
  DATA_DIR: dataDir,
  RUN_WORKERS: 'false',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  JWT_SECRET: 'bench-secret-0123456789-0123456789-0123456789',
  PII_KEY: PII_KEY.toString('base64'),
};
const app = async (dir, tag, env) => {
  const port = await freePort();
  const child = await startChild(
    process.execPath,
    [join(dir, 'dist', 'main.js')],
    { ...common, PORT: String(port), AUDIT_ANCHOR_FILE: join(dataDir, `${tag}.log`), ...env },
    `http://127.0.0.1:${port}/health`,
    600_000,
  );
  return { ...child, base: `http://127.0.0.1:${port}` };
};
const stops = [];
try {
  const owner = await app(before, 'owner', { EMBEDDED_PG_PORT: String(pgPort) });
  stops.unshift(owner.stop);
  const shared = { DATABASE_URL: dbUrl, SEED_DEMO: 'false' };
  const builds = {
    before: await app(before, 'before', shared),
    after: await app(after, 'after', shared),
  };
  for (const b of Object.values(builds)) stops.unshift(b.stop);

  let ids;
  if (GEN > 0) {
    const { PiiCipher } = await import(join(before, 'dist', 'common', 'pii', 'pii-crypto.js'));
    const cipher = PiiCipher.fromMasterKey(PII_KEY, 'k1');
    const gen = await generate(dbUrl, { cases: GEN, victimNameEnc: cipher.encrypt('基准受害人') });
    log({ generated: gen.counts, seconds: +gen.seconds.toFixed(1) });
    ids = gen.sampleCaseIds;
  } else {
    const db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    ids = (await db.query('SELECT id FROM cases ORDER BY id LIMIT 100')).rows.map((r) => r.id);
    await db.end();
  }
  const login = await fetch(`${owner.base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'jingwang-admin' }),
  });
  const headers = { authorization: `Bearer ${(await login.json()).accessToken}` };
  for (const [name, b] of Object.entries(builds)) {
    const probe = await fetch(`${b.base}/api/v1/cases/${ids[0]}`, { headers });
    if (probe.status !== 200) throw new Error(`${name}: GET /cases/:id ${probe.status}`);
  }

  const helloPort = await freePort();
  const hello = await startChild(
    process.execPath,
    [join(import.meta.dirname, 'hello.mjs')],
    { PORT: String(helloPort) },
    `http://127.0.0.1:${helloPort}/`,
  );
  log(await run('bare Fastify hello-world', hello.pid, { url: `http://127.0.0.1:${helloPort}/` }));
  await hello.stop();

  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 ? ['before', 'after'] : ['after', 'before'];
    for (const name of order) {
      let i = 0;
      const b = builds[name];
      const row = await run(`GET /api/v1/cases/:id ${name}`, b.pid, {
        url: `${b.base}/api/v1/cases/${ids[0]}`,
        headers,
        requests: [
          { setupRequest: (req) => ({ ...req, path: `/api/v1/cases/${ids[i++ % ids.length]}` }) },
        ],
      });
      log({ round, ...row });
    }
  }
} finally {
  for (const stop of stops) await stop();
  rmSync(dataDir, { recursive: true, force: true });
}
