// Cases benchmarks, in one run beside a bare Fastify hello-world:
//   - GET /api/v1/cases/:id at 50 connections over 200,000 generated cases (requests/s, p99, ratio to hello-world);
//   - GET /api/v1/cases/:id/links?depth=2 and GET /api/v1/identifiers/lookup latencies (p50/p95/p99, one at a time);
//   - transfer-flag ingest with matching, in batches of 1,000, against a plain multi-row INSERT of the same rows.
// Sizes: CASES (default 200000), FLAGS (default 1000000). ONLY=ingest skips the read benchmarks
// (and the hello-world) to compare ingest alone.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { generate } from './generate.mjs';
import { freePort, load, percentiles, startChild, table, writeResults } from './lib.mjs';

const { PiiCipher } = await import('../dist/common/pii/pii-crypto.js');

const CASES = Number(process.env.CASES ?? 200_000);
const FLAGS = Number(process.env.FLAGS ?? 1_000_000);
const INGEST_ONLY = process.env.ONLY === 'ingest';
const PII_KEY = Buffer.alloc(32, 11);

async function timed(urls, headers) {
  const samples = [];
  for (const url of urls) {
    const t0 = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    samples.push(performance.now() - t0);
  }
  return percentiles(samples);
}

/**
 * The same FLAGS flags (1 in 100 paying into a bank card of a generated case) sent twice, one batch
 * of BATCH at a time: through POST /api/v1/transfer-flags as a bank liaison (validation, dedup,
 * matching, hits, dissuasion tasks, outbox), and as plain multi-row INSERTs of the same rows into a
 * copy of the transfer_flags table over one connection (the ceiling of the database alone).
 */
async function benchIngest(base, dbUrl) {
  const BATCH = 1000;
  const flag = (i) => ({
    payerAccount: `6217${String(i).padStart(15, '0')}`,
    payerName: '付款人',
    payeeAccount:
      i % 100 === 0
        ? `6222${String(1 + ((i / 100) % CASES)).padStart(15, '0')}`
        : `6230${String(i).padStart(15, '0')}`,
    payeeName: '收款人',
    payeeBank: '中国工商银行',
    amountFen: 100_00 + (i % 5000) * 100,
    occurredAt: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
    reason: '客户向陌生个人账户大额转账',
    externalRef: `BENCH-${i}`,
  });
  const liaison = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'liu.icbc', password: 'jingwang-demo' }),
  }).then((r) => r.json());
  const headers = {
    authorization: `Bearer ${liaison.accessToken}`,
    'content-type': 'application/json',
  };
  let created = 0;
  let hits = 0;
  const t0 = performance.now();
  for (let start = 0; start < FLAGS; start += BATCH) {
    const flags = [];
    for (let i = start; i < Math.min(FLAGS, start + BATCH); i++) flags.push(flag(i));
    const res = await fetch(`${base}/api/v1/transfer-flags`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ flags }),
    });
    if (res.status !== 200) throw new Error(`ingest: ${res.status} ${await res.text()}`);
    const body = await res.json();
    created += body.totals.created;
    hits += body.totals.hits;
  }
  const apiSeconds = (performance.now() - t0) / 1000;

  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    // Any unit and user will do: the copy has the columns, checks and indexes but no foreign keys.
    const { rows } = await client.query(
      `SELECT id, unit_id FROM users WHERE username = 'liu.icbc'`,
    );
    const [{ id: userId, unit_id: bankId }] = rows;
    await client.query('DROP TABLE IF EXISTS bench_plain_flags');
    await client.query('CREATE TABLE bench_plain_flags (LIKE transfer_flags INCLUDING ALL)');
    const cols = 11;
    const t1 = performance.now();
    for (let start = 0; start < FLAGS; start += BATCH) {
      const values = [];
      const params = [];
      for (let i = start; i < Math.min(FLAGS, start + BATCH); i++) {
        const f = flag(i);
        const o = params.length;
        values.push(
          `(${Array.from({ length: cols }, (_, k) => `$${o + k + 1}`).join(',')},'user')`,
        );
        params.push(
          bankId,
          f.externalRef,
          f.payerAccount,
          f.payerName,
          f.payeeAccount,
          f.payeeName,
          f.payeeBank,
          f.amountFen,
          f.occurredAt,
          f.reason,
          userId,
        );
      }
      await client.query(
        `INSERT INTO bench_plain_flags (bank_unit_id, external_ref, payer_account, payer_name,
           payee_account, payee_name, payee_bank, amount_fen, occurred_at, reason, submitted_by_id,
           submitted_by_kind) VALUES ${values.join(',')}`,
        params,
      );
    }
    const plainSeconds = (performance.now() - t1) / 1000;
    await client.query('DROP TABLE bench_plain_flags');
    const apiRate = Math.round(FLAGS / apiSeconds);
    const plainRate = Math.round(FLAGS / plainSeconds);
    return {
      flags: FLAGS,
      batch: BATCH,
      created,
      hits,
      apiFlagsPerSecond: apiRate,
      plainInsertRowsPerSecond: plainRate,
      ratio: +(apiRate / plainRate).toFixed(3),
    };
  } finally {
    await client.end();
  }
}

const helloPort = await freePort();
const appPort = await freePort();
const pgPort = await freePort();
const base = `http://127.0.0.1:${appPort}`;
const hello = INGEST_ONLY
  ? { stop: async () => {} }
  : await startChild(
      process.execPath,
      ['bench/hello.mjs'],
      { PORT: String(helloPort) },
      `http://127.0.0.1:${helloPort}/`,
    );
const app = await startChild(
  process.execPath,
  ['dist/main.js'],
  {
    PORT: String(appPort),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'jw-bench-cases-')),
    EMBEDDED_PG_PORT: String(pgPort),
    PII_KEY: PII_KEY.toString('base64'),
    JWT_SECRET: 'bench-secret-0123456789-0123456789-0123456789',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  },
  `${base}/health`,
);
const dbUrl =
  process.env.DATABASE_URL ?? `postgres://postgres:jingwang@127.0.0.1:${pgPort}/jingwang`;
try {
  const cipher = PiiCipher.fromMasterKey(PII_KEY, 'k1');
  const gen = await generate(dbUrl, { cases: CASES, victimNameEnc: cipher.encrypt('基准受害人') });
  process.stdout.write(`Generated ${JSON.stringify(gen.counts)} in ${gen.seconds.toFixed(1)} s\n`);
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'zhang.supervisor', password: 'jingwang-demo' }),
  });
  // The supervisor of the anti-fraud centre sees its brigade only; use the admin to see every generated case.
  const adminLogin = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'jingwang-admin' }),
  });
  void login;
  const { accessToken } = await adminLogin.json();
  const auth = { authorization: `Bearer ${accessToken}` };
  const ids = gen.sampleCaseIds;

  const results = [];
  const latencies = {};
  if (!INGEST_ONLY) {
    results.push(await load('bare Fastify hello-world', `http://127.0.0.1:${helloPort}/`));
    let i = 0;
    results.push(
      await load('GET /api/v1/cases/:id', `${base}/api/v1/cases/${ids[0]}`, {
        headers: auth,
        requests: [
          { setupRequest: (req) => ({ ...req, path: `/api/v1/cases/${ids[i++ % ids.length]}` }) },
        ],
      }),
    );
    process.stdout.write(`\n${table(results, results[0])}\n`);

    const linkUrls = ids.slice(0, 200).map((id) => `${base}/api/v1/cases/${id}/links?depth=2`);
    const linkProbe = await fetch(linkUrls[0], { headers: auth });
    if (linkProbe.status === 200) latencies.linksDepth2 = await timed(linkUrls, auth);
    const lookupUrls = Array.from(
      { length: 200 },
      (_, k) =>
        `${base}/api/v1/identifiers/lookup?kind=bank_card&value=6222${String(1 + ((k * 997) % CASES)).padStart(15, '0')}`,
    );
    const lookupProbe = await fetch(lookupUrls[0], { headers: auth });
    if (lookupProbe.status === 200) latencies.lookup = await timed(lookupUrls, auth);
    process.stdout.write(`Latencies (ms, one request at a time): ${JSON.stringify(latencies)}\n`);
  }

  const ingest = await benchIngest(base, dbUrl);
  process.stdout.write(`Flag ingest: ${JSON.stringify(ingest)}\n`);
  if (!INGEST_ONLY) {
    const doc = writeResults('cases.json', results, {
      cases: CASES,
      generated: gen.counts,
      latencies,
      ingest,
      database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL',
    });
    process.stdout.write(`Results in bench/results/cases.json (${doc.takenAt})\n`);
  }
  void autocannon;
} finally {
  await app.stop();
  await hello.stop();
}
