// Alerts fan-out benchmark: one warning published to each size of COORDINATORS (a comma list,
// default 10,000 then 100,000) coordinators on the wecom_bot channel, each with its own robot key on an unthrottled fake robot
// (bench/fake-robot.mjs), so the 20-a-minute limit per robot never holds a delivery back. For each
// queue backend (PostgreSQL, then Redis on a throwaway redis-server) and 1 then 2 worker processes
// (`node dist/worker.js`; the API runs with RUN_WORKERS=false), it measures from the publish request:
//   - enqueued: every delivery row exists and its outbox event has been relayed to BullMQ;
//   - delivered: every delivery row is `sent`; deliveries/s = COORDINATORS / (delivered − publish),
//     and from the first send to the last (sent_at in the database).
// The ceiling: before the workers start, bench/bullmq-ceiling.mjs measures on the same backend, in the
// same run, BullMQ's own rate for empty jobs (one Worker process, the deliver queue's concurrency);
// deliveries are carried many per job, so their rate is reported against it (ratio = deliveries/s
// ÷ empty jobs/s): on a machine shared with other work, the ratio is the figure that travels.
// The sends alone: bench/send-ceiling.mjs, once per run before the backends, sends as many robot
// messages through the app's own send path (dist/, ALERTS_SENDS_IN_FLIGHT at once) with no database
// and no queue; every delivery is one such send, so deliveries/s is reported against it too.
// Memory: the RSS of the API process and of each worker process (/proc/<pid>/status, VmRSS) is
// sampled every RSS_SAMPLE_MS (200) during each fan-out; each size gets worker processes of its own,
// so the peaks of 10,000 and 100,000 compare like with like (flat = the peak does not grow with the
// count). The coordinators of the largest size are inserted once; a run enables the first n of them.
// The load average (/proc/loadavg) is recorded before and after each run.
// The database is an embedded PostgreSQL in a temporary folder unless DATABASE_URL is given. The
// workers inherit the environment, so e.g. ALERTS_DELIVER_CONCURRENCY applies to them. Their `node`
// gets the flags of `npm run worker` (package.json, e.g. its heap cap), then WORKER_NODE_ARGS
// (space-separated), e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` or `--trace-gc`; WORKER_STDOUT names a
// file their standard output is appended to.
// dist/ is copied first to a temporary folder (beside links to node_modules/ and seeds/, removed at
// the end), so another `npm run build` meanwhile does no harm.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { freePort, startChild, writeResults } from './lib.mjs';

const SIZES = (process.env.COORDINATORS ?? '10000,100000').split(',').map(Number);
const COORDINATORS = Math.max(...SIZES);
const RSS_SAMPLE_MS = Number(process.env.RSS_SAMPLE_MS ?? 200);
// Per run; a run out of time is reported as it stands (completed: false) and its rest cancelled.
const TIMEOUT_MS = Number(process.env.ALERTS_BENCH_TIMEOUT_MS ?? 3_600_000);
const POLL_MS = 50;
const PII_KEY = Buffer.alloc(32, 7);
const JWT_SECRET = 'bench-secret-0123456789-0123456789-0123456789';
const PASSWORD = 'bench-password-1';
const BACKENDS = (process.env.ALERTS_BENCH_BACKENDS ?? 'postgres,redis').split(',');
const WORKERS = (process.env.ALERTS_BENCH_WORKERS ?? '1').split(',').map(Number);
// `node <flags> dist/worker.js`: the worker as `npm run worker` starts it.
const WORKER_SCRIPT = JSON.parse(readFileSync('package.json', 'utf8')).scripts.worker;
const WORKER_NODE_ARGS =
  `${/^node (.*)dist\/worker\.js$/.exec(WORKER_SCRIPT)?.[1] ?? ''} ${process.env.WORKER_NODE_ARGS ?? ''}`
    .split(' ')
    .filter(Boolean);

const SNAPSHOT = mkdtempSync(join(tmpdir(), 'jw-bench-alerts-dist-'));
const DIST = join(SNAPSHOT, 'dist');
cpSync('dist', DIST, { recursive: true });
for (const dir of ['node_modules', 'seeds', 'package.json'])
  symlinkSync(resolve(dir), join(SNAPSHOT, dir));
const { PiiCipher } = await import(
  pathToFileURL(join(DIST, 'common', 'pii', 'pii-crypto.js')).href
);

const log = (msg) => process.stdout.write(`${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A process that is ready once a line of its stdout contains `readyText`. */
function startProcess(cmd, args, env, readyText, timeoutMs = 300_000) {
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let seen = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${args.join(' ')}: not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on('data', (chunk) => {
      if (process.env.WORKER_STDOUT) appendFileSync(process.env.WORKER_STDOUT, chunk);
      if (seen === null) return; // ready already: keep draining the pipe
      seen += chunk.toString();
      if (seen.includes(readyText)) {
        seen = null;
        clearTimeout(timer);
        resolve();
      } else if (seen.length > 100_000) seen = seen.slice(-1000);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}`));
    });
  });
  ready.catch(() => undefined);
  return {
    pid: child.pid,
    ready,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);

/** Resident set size of a process in MB (VmRSS), or null once it is gone. */
function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? +(Number(m[1]) / 1024).toFixed(1) : null;
  } catch {
    return null;
  }
}

/** Samples the RSS of `pids` (name → pid) until stopped: the first sample and the peak of each. */
function sampleRss(pids) {
  const first = {};
  const peak = {};
  const take = () => {
    for (const [name, pid] of Object.entries(pids)) {
      const mb = rssMb(pid);
      if (mb === null) continue;
      first[name] ??= mb;
      peak[name] = Math.max(peak[name] ?? 0, mb);
    }
  };
  take();
  const timer = setInterval(take, RSS_SAMPLE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return { startMb: first, peakMb: peak };
    },
  };
}

/** BullMQ's rate for empty jobs on the backend of `env`, in a process of its own. */
function measureCeiling(env, script = 'bench/bullmq-ceiling.mjs') {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, ...env, CEILING_DIST: DIST },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c.toString()));
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop();
      if (code !== 0 || !line) return reject(new Error(`${script} exited with ${code}`));
      resolve(JSON.parse(line));
    });
  });
}

/** A throwaway Redis that keeps nothing on disk; ready once it answers PING. */
async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pong = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('error', () => resolve(false));
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      s.once('connect', () => s.write('PING\r\n'));
    });
    if (pong) break;
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error('redis-server did not start');
    await sleep(100);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function api(base, method, path, token, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const login = async (base, username, password) =>
  (await api(base, 'POST', '/api/v1/auth/login', null, { username, password })).accessToken;

/**
 * Once per database: an author and an approver with the whole city in scope, the demo (manual)
 * coordinators disabled so the warning reaches exactly the bench's, and COORDINATORS wecom_bot
 * coordinators spread over the demo communities, one robot key each, inserted with SQL.
 */
async function prepare(base, db, robotPort) {
  const [{ n }] = (
    await db.query(`SELECT count(*)::int AS n FROM coordinators WHERE group_name LIKE '基准群%'`)
  ).rows;
  if (n === COORDINATORS) return;
  if (n !== 0) throw new Error(`found ${n} bench coordinators, expected 0 or ${COORDINATORS}`);
  // The demo city's published warning has a fan-out event no one has relayed yet (the API runs no
  // relay): the first worker would send it to the bench's coordinators, in the middle of a run.
  // Dropped here, and marked fanned out so the sweeper leaves it alone too.
  await db.query(
    `UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL AND job_name = 'alerts-fanout'`,
  );
  await db.query(`UPDATE warnings SET fanned_out_at = now() WHERE fanned_out_at IS NULL`);
  const admin = await login(base, 'admin', 'jingwang-admin');
  const { rows: units } = await db.query(
    `SELECT id, code, kind FROM units WHERE code = 'GY' OR kind = 'community' ORDER BY code`,
  );
  const city = units.find((u) => u.code === 'GY');
  const communities = units.filter((u) => u.kind === 'community').map((u) => u.id);
  for (const username of ['bench.author', 'bench.approver']) {
    await api(base, 'POST', '/api/v1/users', admin, {
      username,
      displayName: username === 'bench.author' ? '基准作者' : '基准审批',
      password: PASSWORD,
      role: 'supervisor',
      unitId: city.id,
    });
  }
  await db.query(`UPDATE coordinators SET enabled = false WHERE channel = 'manual'`);
  const cipher = PiiCipher.fromMasterKey(PII_KEY, 'k1');
  const BATCH = 1000;
  const t0 = performance.now();
  for (let start = 0; start < COORDINATORS; start += BATCH) {
    const cols = {
      name: [],
      phone: [],
      community: [],
      group: [],
      urlEnc: [],
      masked: [],
      hash: [],
    };
    for (let i = start; i < Math.min(COORDINATORS, start + BATCH); i++) {
      const key = `bench-robot-${String(i).padStart(6, '0')}`;
      const url = `http://127.0.0.1:${robotPort}/cgi-bin/webhook/send?key=${key}`;
      cols.name.push(`协调员${i}`);
      cols.phone.push(`139${String(i).padStart(8, '0')}`);
      cols.community.push(communities[i % communities.length]);
      cols.group.push(`基准群${i}`);
      cols.urlEnc.push(cipher.encrypt(url));
      cols.masked.push(
        `http://127.0.0.1:${robotPort}/cgi-bin/webhook/send?key=****${key.slice(-4)}`,
      );
      cols.hash.push(createHash('sha256').update(key).digest('hex'));
    }
    await db.query(
      `INSERT INTO coordinators (name, phone, community_id, group_name, group_size, channel,
         webhook_url_enc, webhook_url_masked, robot_key_hash)
       SELECT n, p, c, g, 200, 'wecom_bot', e, m, h
       FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[])
         AS t(n, p, c, g, e, m, h)`,
      [cols.name, cols.phone, cols.community, cols.group, cols.urlEnc, cols.masked, cols.hash],
    );
  }
  log(
    `Inserted ${COORDINATORS} coordinators over ${communities.length} communities in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

/** Only the first `size` bench coordinators enabled (by the number in their group name). */
async function enableFirst(db, size) {
  await db.query(
    `UPDATE coordinators SET enabled = (substr(group_name, 4)::int < $1)
     WHERE group_name LIKE '基准群%' AND enabled <> (substr(group_name, 4)::int < $1)`,
    [size],
  );
}

/** Publishes one warning to every sub-bureau (all the communities) and watches it go out. */
async function fanOut(base, db, robotUrl, label, size) {
  const author = await login(base, 'bench.author', PASSWORD);
  const approver = await login(base, 'bench.approver', PASSWORD);
  const { rows: targets } = await db.query(`SELECT id FROM units WHERE kind = 'sub_bureau'`);
  const w = await api(base, 'POST', '/api/v1/warnings', author, {
    title: `基准预警 ${label}`,
    body: '近期辖区多发冒充电商客服“退款理赔”诈骗，请群成员提高警惕。',
    fraudType: 'fake_customer_service',
    severity: 'severe',
    targetUnitIds: targets.map((t) => t.id),
  });
  await api(base, 'POST', `/api/v1/warnings/${w.id}/approve`, approver);
  await fetch(`${robotUrl}/reset`, { method: 'POST' });

  const t0 = Date.now();
  await api(base, 'POST', `/api/v1/warnings/${w.id}/publish`, author, {});
  const publishMs = Date.now() - t0;
  let rowsAt = null;
  let enqueuedAt = null;
  let deliveredAt = null;
  let last;
  while (Date.now() - t0 < TIMEOUT_MS) {
    const [[d], [o]] = await Promise.all([
      db
        .query(
          `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'sent')::int AS sent,
             count(*) FILTER (WHERE status = 'failed')::int AS failed
           FROM deliveries WHERE warning_id = $1`,
          [w.id],
        )
        .then((r) => r.rows),
      db
        .query(
          `SELECT count(*)::int AS pending FROM outbox
           WHERE sent_at IS NULL AND job_name IN ('alerts-fanout', 'alerts-deliver')`,
        )
        .then((r) => r.rows),
    ]);
    const now = Date.now();
    last = { ...d, pending: o.pending };
    if (rowsAt === null && d.total >= size) rowsAt = now;
    if (enqueuedAt === null && d.total >= size && o.pending === 0) enqueuedAt = now;
    if (d.sent + d.failed >= size) {
      deliveredAt = now;
      break;
    }
    // Finely until enqueued (the 2 s target), then gently: counting 100,000 rows is work too.
    await sleep(enqueuedAt === null ? POLL_MS : 4 * POLL_MS);
  }
  // Out of time: what is still queued is cancelled, so that it does not go out during the next
  // run (the next worker's sweeper would enqueue it again); the row says how far it got.
  // Rows locked in id order, like the app's own statements (a claim runs meanwhile).
  if (deliveredAt === null)
    await db.query(
      `WITH q AS (
         SELECT id FROM deliveries WHERE warning_id = $1 AND status = 'queued' ORDER BY id FOR UPDATE
       )
       UPDATE deliveries d SET status = 'cancelled', last_error = 'bench timeout', next_attempt_at = NULL
       FROM q WHERE d.id = q.id AND d.status = 'queued'`,
      [w.id],
    );
  const [span] = (
    await db.query(
      `SELECT (extract(epoch FROM min(sent_at)) * 1000)::float8 AS first,
         (extract(epoch FROM max(sent_at)) * 1000)::float8 AS last
       FROM deliveries WHERE warning_id = $1 AND status = 'sent'`,
      [w.id],
    )
  ).rows;
  const robot = await (await fetch(`${robotUrl}/stats`)).json();
  const seconds = (ms) => (ms === null ? null : +(ms / 1000).toFixed(2));
  const sendSpanMs = span.last - span.first;
  return {
    publishRequestMs: publishMs,
    rowsCreatedS: seconds(rowsAt === null ? null : rowsAt - t0),
    enqueuedS: seconds(enqueuedAt === null ? null : enqueuedAt - t0),
    firstSentS: seconds(span.first ? span.first - t0 : null),
    deliveredS: seconds(deliveredAt === null ? null : deliveredAt - t0),
    // Out of time, the rate so far (sent ÷ time since publish); `completed` says which.
    deliveriesPerSecondEndToEnd: Math.round(
      (last.sent / ((deliveredAt ?? Date.now()) - t0)) * 1000,
    ),
    deliveriesPerSecondFirstToLast:
      sendSpanMs > 0 ? Math.round(((last.sent - 1) / sendSpanMs) * 1000) : null,
    sent: last.sent,
    failed: last.failed,
    robotReceived: robot.total,
    robotKeys: robot.keys,
    robotKeysWithRepeats: robot.repeated,
    completed: deliveredAt !== null,
  };
}

const robotPort = await freePort();
const robotUrl = `http://127.0.0.1:${robotPort}`;
const robot = await startChild(
  process.execPath,
  ['bench/fake-robot.mjs'],
  { PORT: String(robotPort) },
  `${robotUrl}/health`,
);
const dataDir = mkdtempSync(join(tmpdir(), 'jw-bench-alerts-'));
const pgPort = await freePort();
const dbUrl =
  process.env.DATABASE_URL ?? `postgres://postgres:jingwang@127.0.0.1:${pgPort}/jingwang`;
const baseEnv = {
  DATA_DIR: dataDir,
  EMBEDDED_PG_PORT: String(pgPort),
  PII_KEY: PII_KEY.toString('base64'),
  JWT_SECRET,
  QUEUE_PREFIX: 'jwbenchalerts',
  // The fake robot is the WeCom API here: the sender refuses robot URLs off the configured base.
  WECOM_API_BASE: `${robotUrl}/cgi-bin/webhook/send`,
  TREND_SCAN_INTERVAL_MS: '0',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
};
const results = [];
let redis;
try {
  const sendsLoad = loadavg();
  const sendsAlone = {
    ...(await measureCeiling(baseEnv, 'bench/send-ceiling.mjs')),
    loadAverage: [sendsLoad, loadavg()],
  };
  log(`sends alone: ${JSON.stringify(sendsAlone)}`);
  for (const backend of BACKENDS) {
    if (backend === 'redis') redis = await startRedis();
    const env = { ...baseEnv, REDIS_URL: backend === 'redis' ? redis.url : '' };
    const appPort = await freePort();
    const base = `http://127.0.0.1:${appPort}`;
    const app = await startChild(
      process.execPath,
      [join(DIST, 'main.js')],
      { ...env, PORT: String(appPort), RUN_WORKERS: 'false', PUBLIC_BASE_URL: base },
      `${base}/health`,
      // The first start creates the embedded database and migrates it: minutes on a busy machine.
      600_000,
    );
    const db = new pg.Client({ connectionString: dbUrl });
    try {
      await db.connect();
      await prepare(base, db, robotPort);
      const ceilingLoad = loadavg();
      const ceiling = {
        ...(await measureCeiling({ ...env, DATABASE_URL: dbUrl })),
        loadAverage: [ceilingLoad, loadavg()],
      };
      log(`${backend}: BullMQ empty jobs ${JSON.stringify(ceiling)}`);
      for (const n of WORKERS) {
        for (const size of SIZES) {
          await enableFirst(db, size);
          // Worker processes of their own per size: their peaks compare like with like.
          const workers = [];
          try {
            for (let k = 0; k < n; k++) {
              const p = startProcess(
                process.execPath,
                [...WORKER_NODE_ARGS, join(DIST, 'worker.js')],
                { ...env, PUBLIC_BASE_URL: base },
                'Workers running on',
              );
              workers.push(p);
              await p.ready;
            }
            const label = `${backend}, ${n} worker${n > 1 ? 's' : ''}, ${size} coordinators`;
            log(`\n${label}: publishing`);
            const loadBefore = loadavg();
            const rss = sampleRss({
              api: app.pid,
              ...Object.fromEntries(workers.map((w, k) => [`worker${k + 1}`, w.pid])),
            });
            const r = await fanOut(base, db, robotUrl, label, size);
            const mem = rss.stop();
            const row = {
              backend,
              workers: n,
              coordinators: size,
              ...r,
              ceilingEmptyJobsPerSecond: ceiling.jobsPerSecond,
              ratioToCeiling:
                r.deliveriesPerSecondEndToEnd === null
                  ? null
                  : +(r.deliveriesPerSecondEndToEnd / ceiling.jobsPerSecond).toFixed(2),
              sendsAlonePerSecond: sendsAlone.sendsPerSecond,
              ratioToSendsAlone:
                r.deliveriesPerSecondEndToEnd === null
                  ? null
                  : +(r.deliveriesPerSecondEndToEnd / sendsAlone.sendsPerSecond).toFixed(2),
              rss: mem,
              loadAverage: { before: loadBefore, after: loadavg(), ceiling: ceiling.loadAverage },
            };
            log(JSON.stringify(row));
            results.push(row);
          } finally {
            await Promise.all(workers.map((w) => w.stop()));
          }
        }
      }
    } finally {
      await db.end();
      await app.stop();
      await redis?.stop();
      redis = undefined;
    }
  }
  const doc = writeResults('alerts.json', results, {
    coordinators: SIZES,
    database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL',
    workerConcurrency: {
      alertsDeliver: Number(process.env.ALERTS_DELIVER_CONCURRENCY || 32),
      otherQueues: 8,
    },
    targets: { enqueuedS: 2, deliveriesPerSecond: { postgres: 1000, redis: 3000 } },
  });
  const peak = (r, prefix) =>
    Math.max(
      ...Object.entries(r.rss.peakMb)
        .filter(([k]) => k.startsWith(prefix))
        .map(([, v]) => v),
    );
  const la = (r) => r.loadAverage.before[0].toFixed(1);
  log(
    '\n| backend | workers | coordinators | BullMQ empty jobs/s (ceiling) | sends alone/s | deliveries/s publish→last | first→last send | ratio to ceiling | ratio to sends alone | enqueued s | delivered s | API RSS start→peak MB | worker RSS start→peak MB | exactly once | load avg |',
  );
  log(
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :-: | ---: |',
  );
  for (const r of results)
    log(
      `| ${r.backend} | ${r.workers} | ${r.coordinators} | ${r.ceilingEmptyJobsPerSecond} | ${r.sendsAlonePerSecond} | ${r.deliveriesPerSecondEndToEnd} | ${r.deliveriesPerSecondFirstToLast} | ${r.ratioToCeiling} | ${r.ratioToSendsAlone} | ${r.enqueuedS} | ${r.deliveredS} | ${r.rss.startMb.api}→${peak(r, 'api')} | ${r.rss.startMb.worker1}→${peak(r, 'worker')} | ${r.robotKeysWithRepeats === 0 && r.robotKeys === r.robotReceived && (!r.completed || (r.sent === r.coordinators && r.robotReceived === r.coordinators)) ? (r.completed ? 'yes' : `yes, ${r.sent} sent before the timeout`) : 'NO'} | ${la(r)} |`,
    );
  log(`Results in bench/results/alerts.json (${doc.takenAt})`);
} finally {
  await redis?.stop();
  await robot.stop();
  rmSync(SNAPSHOT, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
