// Banks' daily files (POST /api/v1/transfer-flags/files) against a plain COPY of the same rows,
// in one run on one machine:
//   - the same CSV (ROWS rows, 1 in 100 paying into a bank card of a generated case) is COPYed
//     into a bare table (same column types, no index, no constraint: the database's ceiling), and
//     uploaded through the endpoint (multipart, streamed; 202), then processed by the job until
//     GET …/files/:id says done (validation, dedup, flags, hits, dissuasion tasks, outbox);
//   - the same CSV is COPYed into transfer_flags itself in a transaction rolled back after: the
//     database's own cost of storing these rows (indexes, checks, foreign key, statistics trigger);
//   - the API process's RSS (VmRSS of the one process, which also runs the job) is sampled every
//     100 ms during each upload, at ROWS/5 and ROWS rows, to show memory flat in the file's size.
// Sizes: ROWS (default 200000), CASES (default 20000).
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { generate } from './generate.mjs';
import { startBenchApp, writeResults } from './lib.mjs';

const { PiiCipher } = await import('../dist/common/pii/pii-crypto.js');

const ROWS = Number(process.env.ROWS ?? 200_000);
const CASES = Number(process.env.CASES ?? 20_000);
const PII_KEY = Buffer.alloc(32, 11);
const HEADER =
  'externalRef,payerAccount,payerName,payeeAccount,payeeName,payeeBank,amountFen,occurredAt,reason\r\n';

/** The CSV of `rows` flags, made as it is read (never whole in memory). */
async function* csvRows(prefix, rows) {
  yield HEADER;
  const day = Date.UTC(2026, 10, 1);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const payee =
      i % 100 === 0
        ? `6222${String(1 + ((i / 100) % CASES)).padStart(15, '0')}`
        : `6230${String(i).padStart(15, '0')}`;
    chunk +=
      `${prefix}-${i},6217${String(i).padStart(15, '0')},付款人,${payee},收款人,中国工商银行,` +
      `${100_00 + (i % 5000) * 100},${new Date(day + i * 1000).toISOString()},客户向陌生个人账户大额转账\r\n`;
    if (chunk.length > 60_000) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

function rssOf(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Samples the process's RSS every 100 ms until stopped: { before, peak } in MiB. */
function sampleRss(pid) {
  const before = rssOf(pid);
  let peak = before;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssOf(pid));
    } catch {
      // the process is gone
    }
  }, 100);
  return () => {
    clearInterval(timer);
    const mib = (b) => +(b / 1024 / 1024).toFixed(1);
    return { beforeMiB: mib(before), peakMiB: mib(peak), afterMiB: mib(rssOf(pid)) };
  };
}

async function plainCopy(dbUrl, rows) {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS bench_plain_copy`);
    await client.query(`CREATE TABLE bench_plain_copy (external_ref text, payer_account text,
      payer_name text, payee_account text, payee_name text, payee_bank text, amount_fen bigint,
      occurred_at timestamptz, reason text)`);
    const t0 = performance.now();
    await pipeline(
      Readable.from(csvRows('COPY', rows)),
      client.query(
        copyStreams.from(`COPY bench_plain_copy FROM STDIN WITH (FORMAT csv, HEADER true)`),
      ),
    );
    const seconds = (performance.now() - t0) / 1000;
    await client.query(`DROP TABLE bench_plain_copy`);
    return { rows, seconds: +seconds.toFixed(2), rowsPerSecond: Math.round(rows / seconds) };
  } finally {
    await client.end();
  }
}

/**
 * The same rows COPYed straight into transfer_flags, in a transaction rolled back after: what the
 * database itself takes to store them (the table's five indexes, its checks, the foreign key to
 * the bank, the statistics trigger), with none of the endpoint's work (decoding, checking,
 * staging, dedup, hits, tasks, answers). The bank and the sender are the columns' defaults for the
 * length of the transaction, so the CSV is the very one the other two read.
 */
async function copyIntoFlags(dbUrl, rows) {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    const [{ bank, sender }] = (
      await client.query(`SELECT u.id AS bank, gen_random_uuid() AS sender FROM units u
        WHERE u.kind = 'bank' ORDER BY u.id LIMIT 1`)
    ).rows;
    await client.query(`ALTER TABLE transfer_flags ALTER bank_unit_id SET DEFAULT '${bank}',
      ALTER submitted_by_kind SET DEFAULT 'api_key', ALTER submitted_by_id SET DEFAULT '${sender}'`);
    const t0 = performance.now();
    await pipeline(
      Readable.from(csvRows('FLAGS', rows)),
      client.query(
        copyStreams.from(`COPY transfer_flags (external_ref, payer_account, payer_name,
          payee_account, payee_name, payee_bank, amount_fen, occurred_at, reason)
          FROM STDIN WITH (FORMAT csv, HEADER true)`),
      ),
    );
    const seconds = (performance.now() - t0) / 1000;
    return { rows, seconds: +seconds.toFixed(2), rowsPerSecond: Math.round(rows / seconds) };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.query('VACUUM transfer_flags').catch(() => undefined);
    await client.end();
  }
}

async function throughEndpoint(base, token, pid, prefix, rows) {
  const boundary = `----jwbench${Date.now()}`;
  async function* body() {
    yield `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${prefix}.csv"\r\nContent-Type: text/csv\r\n\r\n`;
    yield* csvRows(prefix, rows);
    yield `\r\n--${boundary}--\r\n`;
  }
  const stop = sampleRss(pid);
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/transfer-flags/files`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
    body: Readable.toWeb(Readable.from(body())),
    duplex: 'half',
  });
  const accepted = await res.json();
  if (res.status !== 202) throw new Error(`upload: ${res.status} ${JSON.stringify(accepted)}`);
  const uploadSeconds = (performance.now() - t0) / 1000;
  let file;
  for (;;) {
    file = await fetch(`${base}/api/v1/transfer-flags/files/${accepted.id}`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((r) => r.json());
    if (file.status === 'done' || file.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - t0) / 1000;
  const rss = stop();
  if (file.status !== 'done' || file.accepted !== rows) {
    throw new Error(`file ended ${JSON.stringify(file)}`);
  }
  return {
    rows,
    uploadSeconds: +uploadSeconds.toFixed(2),
    // The job's own time, by the file's timestamps (the database's clock): dedup and chunks.
    jobSeconds: +((Date.parse(file.finishedAt) - Date.parse(file.startedAt)) / 1000).toFixed(2),
    seconds: +seconds.toFixed(2),
    rowsPerSecond: Math.round(rows / seconds),
    accepted: file.accepted,
    hits: file.hits,
    dissuasions: file.dissuasions,
    rss,
  };
}

const app = await startBenchApp('files', { piiKey: PII_KEY });
const { base, dbUrl } = app;
try {
  const cipher = PiiCipher.fromMasterKey(PII_KEY, 'k1');
  const gen = await generate(dbUrl, { cases: CASES, victimNameEnc: cipher.encrypt('基准受害人') });
  process.stdout.write(`Generated ${JSON.stringify(gen.counts)} in ${gen.seconds.toFixed(1)} s\n`);
  const { accessToken } = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'liu.icbc', password: 'jingwang-demo' }),
  }).then((r) => r.json());

  const small = Math.max(1, Math.round(ROWS / 5));
  const copy = await plainCopy(dbUrl, ROWS);
  process.stdout.write(`Plain COPY: ${JSON.stringify(copy)}\n`);
  const runs = [];
  for (const [prefix, rows] of [
    ['SMALL', small],
    ['FULL', ROWS],
  ]) {
    const r = await throughEndpoint(base, accessToken, app.pid, prefix, rows);
    process.stdout.write(`Endpoint ${rows} rows: ${JSON.stringify(r)}\n`);
    runs.push(r);
  }
  const intoFlags = await copyIntoFlags(dbUrl, ROWS);
  process.stdout.write(`COPY into transfer_flags: ${JSON.stringify(intoFlags)}\n`);
  const full = runs[runs.length - 1];
  const ratio = +((copy.seconds / full.seconds) * 100).toFixed(0);
  const ratioFlags = +((intoFlags.seconds / full.seconds) * 100).toFixed(0);
  process.stdout.write(`Endpoint to done: ${ratio} % of plain COPY's rate (target ≥ 50 %)\n`);
  process.stdout.write(
    `Endpoint to done: ${ratioFlags} % of the rate of a COPY into transfer_flags itself\n`,
  );
  const doc = writeResults('flag-files.json', runs, {
    rows: ROWS,
    cases: CASES,
    plainCopy: copy,
    endpointVsCopyPercent: ratio,
    copyIntoFlags: intoFlags,
    endpointVsCopyIntoFlagsPercent: ratioFlags,
    database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL',
  });
  process.stdout.write(`Results in bench/results/flag-files.json (${doc.takenAt})\n`);
} finally {
  await app.stop();
}
