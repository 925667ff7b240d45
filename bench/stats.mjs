// Statistics benchmarks: GET /api/v1/stats/overview for the whole city and /stats/timeseries for a
// year, over 1,000,000 generated cases (CASES to change) with their orders, recoveries, flags,
// hits, dissuasion tasks, warnings and deliveries.
//
// The rows are written with set-based SQL (generate_series) with triggers off
// (session_replication_role = replica, as a bulk load would), then the rollups are rebuilt from
// them in one statement (stats_rebuild(), the migration's backfill): what the API reads is the
// same as if every row had come through it. Latency is measured two ways: one request at a time
// (N sequential requests after a warm-up: p50/p95/p99 from the samples) and under autocannon load
// (10 connections, 10 s: requests/s, p50/p97.5/p99); beside each, PostgreSQL's own time for the
// endpoint's statistics statement (EXPLAIN ANALYZE of the very statement the repository builds,
// SAMPLES times: p50/p95 of its execution time) and the load average when it was measured.
//
// Sizes by env: CASES (1,000,000), SAMPLES (200 requests one at a time), LOAD_SECONDS (10; 0 skips
// the autocannon part), CONNECTIONS (10). With DATABASE_URL naming a database that already holds
// this run's CASES generated cases, generation is skipped (a rerun of the measuring part only).
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import pg from 'pg';
import { StatsRepository } from '../dist/reports/stats/stats.repository.js';
import { percentiles, startBenchApp, writeResults } from './lib.mjs';

const CASES = Number(process.env.CASES ?? 1_000_000);
const SAMPLES = Number(process.env.SAMPLES ?? 200);
const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
const startedAt = performance.now();
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const PII_KEY = Buffer.alloc(32, 11);

export async function generateStats(url, cases) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const t0 = performance.now();
  try {
    await c.query('SET synchronous_commit = off');
    await c.query('SET session_replication_role = replica');
    await c.query(`CREATE TEMP TABLE bu AS SELECT row_number() OVER (ORDER BY code) - 1 AS n, id FROM units
                   WHERE kind IN ('brigade','station','sub_bureau') ORDER BY code`);
    await c.query(`CREATE TEMP TABLE bb AS SELECT row_number() OVER (ORDER BY code) - 1 AS n, id FROM units
                   WHERE kind = 'bank' ORDER BY code`);
    await c.query(
      `CREATE TEMP TABLE ft AS SELECT row_number() OVER (ORDER BY code) - 1 AS n, code FROM fraud_types`,
    );
    const [{ nu, nb, nf }] = (
      await c.query(
        'SELECT (SELECT count(*) FROM bu)::int AS nu, (SELECT count(*) FROM bb)::int AS nb, (SELECT count(*) FROM ft)::int AS nf',
      )
    ).rows;
    // Cases spread evenly over 2025 (one every ~31 s), over every police unit and fraud type.
    await c.query(
      `INSERT INTO cases (id, case_no, fraud_type, status, summary, reported_at, unit_id, loss_fen)
       SELECT md5('sc' || g)::uuid, 'ST-2025-' || lpad(g::text, 8, '0'), ft.code,
              (ARRAY['reported','registered','investigating','solved','closed','rejected','suspended'])[1 + g % 7],
              '统计基准案件', timestamptz '2025-01-01 00:00+08' + make_interval(secs => g * (31536000.0 / $1)),
              bu.id, 1000 + (g % 997) * 1000
       FROM generate_series(1, $1::int) g JOIN bu ON bu.n = g % $2 JOIN ft ON ft.n = (g / 7) % $3`,
      [cases, nu, nf],
    );
    // An identifier per fifth case, and an order on it: a stop-payment 10–200 minutes after the report.
    await c.query(
      `INSERT INTO identifiers (id, kind, value) SELECT md5('si' || g)::uuid, 'bank_card', '6299' || lpad(g::text, 15, '0')
       FROM generate_series(5, $1::int, 5) g`,
      [cases],
    );
    await c.query(
      `INSERT INTO freeze_orders (id, kind, status, case_id, identifier_id, unit_id, bank_unit_id, requested_fen,
         frozen_fen, case_reported_at, requested_at, answered_at, expires_at)
       SELECT md5('so' || g)::uuid, 'stop_payment',
              -- An order whose 48 hours are over has expired (as the app's expiry job leaves it), so the
              -- app does not start by expiring a year of orders.
              CASE WHEN c.reported_at + interval '48 hours' < now() THEN 'expired' ELSE 'frozen' END, c.id, md5('si' || g)::uuid, c.unit_id, bb.id,
              c.loss_fen, c.loss_fen / 2, c.reported_at, c.reported_at + make_interval(mins => (10 + g % 190)::int),
              c.reported_at + make_interval(mins => (30 + g % 190)::int), c.reported_at + interval '48 hours'
       FROM generate_series(5, $1::int, 5) g JOIN cases c ON c.id = md5('sc' || g)::uuid JOIN bb ON bb.n = g % $2`,
      [cases, nb],
    );
    await c.query(
      `INSERT INTO recoveries (order_id, case_id, unit_id, amount_fen, recovered_on, legal_basis)
       SELECT o.id, o.case_id, o.unit_id, o.frozen_fen / 2, (o.requested_at AT TIME ZONE 'Asia/Shanghai')::date + 7, '基准'
       FROM freeze_orders o WHERE o.id IN (SELECT md5('so' || g)::uuid FROM generate_series(25, $1::int, 25) g)`,
      [cases],
    );
    // Flags from the banks (half as many as cases), a hit and a dissuasion task for one in 50.
    await c.query(
      `INSERT INTO transfer_flags (id, bank_unit_id, external_ref, payer_account, payee_account, amount_fen,
         occurred_at, reason, submitted_by_kind, submitted_by_id, created_at)
       SELECT md5('sf' || g)::uuid, bb.id, 'ST-' || g, '6217' || lpad(g::text, 15, '0'), '6299' || lpad(g::text, 15, '0'),
              10000 + g % 50000, t, '基准', 'user', md5('u')::uuid, t
       FROM generate_series(1, $1::int / 2) g JOIN bb ON bb.n = g % $2,
            LATERAL (SELECT timestamptz '2025-01-01 00:00+08' + make_interval(secs => g * (63072000.0 / $1))) x(t)`,
      [cases, nb],
    );
    await c.query(
      `INSERT INTO transfer_hits (flag_id, identifier_id, case_id, created_at)
       SELECT md5('sf' || g)::uuid, md5('si' || (g / 5 * 5))::uuid, md5('sc' || (g / 5 * 5))::uuid, f.created_at
       FROM generate_series(50, $1::int / 2, 50) g JOIN transfer_flags f ON f.id = md5('sf' || g)::uuid`,
      [cases],
    );
    await c.query(
      `INSERT INTO dissuasions (flag_id, identifier_id, payer_account, risk_grade, unit_id, due_at, status, outcome,
         first_contact_at, closed_at, created_at)
       SELECT h.flag_id, h.identifier_id, '6217', 'high', c.unit_id, h.created_at + interval '30 minutes',
              CASE WHEN g % 3 = 0 THEN 'open' ELSE 'closed' END,
              CASE WHEN g % 3 = 0 THEN NULL ELSE (ARRAY['stopped','already_paid','unreachable','not_fraud'])[1 + g % 4] END,
              h.created_at + make_interval(mins => (g % 60)::int), CASE WHEN g % 3 = 0 THEN NULL ELSE h.created_at + interval '2 hours' END,
              h.created_at
       FROM (SELECT row_number() OVER () AS g, h.* FROM transfer_hits h JOIN transfer_flags f ON f.id = h.flag_id
             WHERE f.external_ref LIKE 'ST-%') h JOIN cases c ON c.id = h.case_id`,
    );
    await c.query('SET session_replication_role = origin');
    const tRebuild = performance.now();
    await c.query('SELECT stats_rebuild()');
    const rebuildSeconds = (performance.now() - tRebuild) / 1000;
    await c.query('VACUUM (ANALYZE)');
    const counts = (
      await c.query(`SELECT (SELECT count(*) FROM cases)::int AS cases, (SELECT count(*) FROM freeze_orders)::int AS orders,
        (SELECT count(*) FROM recoveries)::int AS recoveries, (SELECT count(*) FROM transfer_flags)::int AS flags,
        (SELECT count(*) FROM transfer_hits)::int AS hits, (SELECT count(*) FROM dissuasions)::int AS dissuasions,
        (SELECT count(*) FROM stats_daily)::int AS rollup_rows,
        (SELECT count(*) FROM stats_daily WHERE day BETWEEN '2025-01-01' AND '2025-12-31')::int AS rollup_rows_2025`)
    ).rows[0];
    return { counts, seconds: (performance.now() - t0) / 1000, rebuildSeconds };
  } finally {
    await c.end();
  }
}

/**
 * Generates the data unless a database given by DATABASE_URL already holds this run's cases (a
 * rerun of the measuring part against the same 1,000,000 cases skips the 10–15 minutes of writing).
 */
async function generateOnce(url, cases) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const [{ n }] = (
    await c.query(`SELECT count(*)::int AS n FROM cases WHERE case_no LIKE 'ST-2025-%'`)
  ).rows;
  await c.end();
  if (n === cases) {
    process.stdout.write(`Reusing the ${n} generated cases already in the database\n`);
    return { reused: true, cases: n };
  }
  if (n !== 0)
    throw new Error(`the database holds ${n} generated cases, not ${cases}: use a fresh one`);
  const gen = await generateStats(url, cases);
  process.stdout.write(
    `Generated ${JSON.stringify(gen.counts)} in ${gen.seconds.toFixed(1)} s (rollup rebuild ${gen.rebuildSeconds.toFixed(1)} s)\n`,
  );
  return gen;
}

/**
 * PostgreSQL's own time for one endpoint's statistics statement: EXPLAIN (ANALYZE) of the
 * statement StatsRepository builds for it, SAMPLES times after 5 warm-ups; p50/p95 of the
 * execution times, and the scan nodes of the plan.
 */
async function databaseTime(client, actor, grouping) {
  const { sql, params } = new StatsRepository(null).sumsStatement(
    actor,
    '2025-01-01',
    '2025-12-31',
    grouping,
  );
  const times = [];
  let scans = [];
  for (let i = 0; i < SAMPLES + 5; i++) {
    const [{ 'QUERY PLAN': plan }] = (
      await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params)
    ).rows;
    if (i >= 5) times.push(plan[0]['Execution Time']);
    const walk = (n) => [n, ...(n.Plans ?? []).flatMap(walk)];
    scans = walk(plan[0].Plan)
      .filter((n) => n['Relation Name'])
      .map((n) => `${n['Node Type']} ${n['Index Name'] ?? n['Relation Name']}`);
  }
  const { p50Ms, p95Ms } = percentiles(times);
  return { p50Ms, p95Ms, scans: [...new Set(scans)] };
}

async function sequential(url, headers) {
  for (let i = 0; i < 20; i++) await (await fetch(url, { headers })).arrayBuffer();
  const samples = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    samples.push(performance.now() - t0);
  }
  return percentiles(samples);
}

async function underLoad(url, headers) {
  if (LOAD_SECONDS <= 0) return null;
  await autocannon({ url, connections: CONNECTIONS, duration: 2, headers });
  const r = await autocannon({ url, connections: CONNECTIONS, duration: LOAD_SECONDS, headers });
  return {
    requestsPerSecond: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p97_5Ms: r.latency.p97_5,
    p99Ms: r.latency.p99,
    failed: r.non2xx + r.errors + r.timeouts,
  };
}

const app = await startBenchApp('stats', { piiKey: PII_KEY, timeoutMs: 300_000 });
const { base, dbUrl } = app;
try {
  const gen = await generateOnce(dbUrl, CASES);
  const login = async (username, password) =>
    (
      await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      }).then((r) => r.json())
    ).accessToken;
  const admin = { authorization: `Bearer ${await login('admin', 'jingwang-admin')}` };
  const sub = { authorization: `Bearer ${await login('wu.supervisor', 'jingwang-demo')}` };
  const year = 'from=2025-01-01&to=2025-12-31';
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  // What autovacuum does after a bulk load: the visibility map the index-only scans rely on.
  await db.query('VACUUM (ANALYZE) stats_daily, stats_monthly');
  const adminActor = { role: 'admin', scopePath: null };
  const [subActor] = (
    await db.query(`SELECT 'supervisor' AS role, u.path AS "scopePath" FROM users s
                    JOIN units u ON u.id = s.unit_id WHERE s.username = 'wu.supervisor'`)
  ).rows;
  const topUnits = (
    await db.query('SELECT id FROM units WHERE parent_id IS NULL ORDER BY code')
  ).rows.map((r) => r.id);
  const cases = [
    [
      'overview, city (admin), 2025',
      `/api/v1/stats/overview?${year}`,
      admin,
      adminActor,
      { by: 'total' },
    ],
    [
      'overview, sub-bureau (supervisor), 2025',
      `/api/v1/stats/overview?${year}`,
      sub,
      subActor,
      { by: 'total' },
    ],
    [
      'timeseries by day, city, 2025',
      `/api/v1/stats/timeseries?${year}&interval=day`,
      admin,
      adminActor,
      { by: 'period', interval: 'day' },
    ],
    [
      'timeseries by week, city, 2025',
      `/api/v1/stats/timeseries?${year}&interval=week`,
      admin,
      adminActor,
      { by: 'period', interval: 'week' },
    ],
    [
      'timeseries by month, city, 2025',
      `/api/v1/stats/timeseries?${year}&interval=month`,
      admin,
      adminActor,
      { by: 'period', interval: 'month' },
    ],
    [
      'by-fraud-type, city, 2025',
      `/api/v1/stats/by-fraud-type?${year}`,
      admin,
      adminActor,
      { by: 'fraudType' },
    ],
    [
      'by-unit, city, 2025',
      `/api/v1/stats/by-unit?${year}`,
      admin,
      adminActor,
      { by: 'unit', unitIds: topUnits },
    ],
  ];
  const results = [];
  for (const [name, path, headers, actor, grouping] of cases) {
    const loadBefore = loadavg();
    const one = await sequential(`${base}${path}`, headers);
    const database = await databaseTime(db, actor, grouping);
    const load = await underLoad(`${base}${path}`, headers);
    const loadAfter = loadavg();
    results.push({ name, path, oneAtATime: one, database, load, loadavg: [loadBefore, loadAfter] });
    process.stdout.write(
      `${name}: one at a time ${JSON.stringify(one)}; database ${JSON.stringify(database)}; ` +
        `${CONNECTIONS} connections ${JSON.stringify(load)}; load average ${loadBefore} → ${loadAfter}\n`,
    );
  }
  await db.end();
  const wallSeconds = Math.round((performance.now() - startedAt) / 1000);
  process.stdout.write(`Wall time ${wallSeconds} s (generation included unless reused)\n`);
  writeResults('stats.json', results, { generated: gen, wallSeconds, samples: SAMPLES });
} finally {
  await app.stop();
}
