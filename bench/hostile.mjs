// Hostile bodies (hardening issue, item 2): how long GET /health takes while anonymous clients send
// bodies meant to stall the server, against the same server when it is quiet. The built app runs
// in a child process (as in baseline.mjs); /health is asked one request at a time, as a user would.
// DURATION (default 10) seconds quiet, then as long with SENDERS (default 4) hostile clients.
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, percentiles, startChild, writeResults } from './lib.mjs';

const DURATION_MS = Number(process.env.DURATION ?? 10) * 1000;
const SENDERS = Number(process.env.SENDERS ?? 4);

const emptyObjects = (n) => `[${'{},'.repeat(n - 1)}{}]`;
const objects2m = emptyObjects(2_000_000);
/** The bodies: what each one is, where it goes, and the text. */
const HOSTILE = [
  ['6 MB: 2,000,000 empty objects', '/api/v1/auth/login', objects2m],
  [
    '6 MB: {"username": 2,000,000 empty objects}',
    '/api/v1/auth/login',
    `{"username":${objects2m}}`,
  ],
  [
    '60 kB: 20,000 empty objects (within the size limit)',
    '/api/v1/auth/login',
    emptyObjects(20_000),
  ],
  ['8 kB: nested 4,000 deep', '/api/v1/auth/login', '['.repeat(4000) + ']'.repeat(4000)],
  [
    '7.8 MB: 2,600,000 empty objects to the one large route (flags)',
    '/api/v1/transfer-flags',
    `{"flags":${emptyObjects(2_600_000)}}`,
  ],
].map(([name, path, text]) => ({ name, path, body: Buffer.from(text) }));

/** One POST; resolves with the status, or with the error code if the server closed on it. */
function post(port, path, body) {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
        res.on('error', () => resolve(String(res.statusCode)));
      },
    );
    req.on('error', (err) => resolve(err.code ?? 'error'));
    req.end(body);
  });
}

async function healthLatencies(base, until) {
  const samples = [];
  while (Date.now() < until) {
    const t0 = performance.now();
    const res = await fetch(`${base}/health`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`/health: ${res.status}`);
    samples.push(performance.now() - t0);
  }
  return percentiles(samples);
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const app = await startChild(
  process.execPath,
  ['dist/main.js'],
  {
    PORT: String(port),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'jw-bench-')),
    EMBEDDED_PG_PORT: String(await freePort()),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  },
  `${base}/health`,
);
try {
  // Warm-up, not recorded.
  await healthLatencies(base, Date.now() + 2000);
  const quiet = await healthLatencies(base, Date.now() + DURATION_MS);

  const until = Date.now() + DURATION_MS;
  const answers = new Map(HOSTILE.map((h) => [h.name, new Map()]));
  let sent = 0;
  const sender = async (first) => {
    for (let i = first; Date.now() < until; i++) {
      const h = HOSTILE[i % HOSTILE.length];
      const status = await post(port, h.path, h.body);
      const counts = answers.get(h.name);
      counts.set(status, (counts.get(status) ?? 0) + 1);
      sent++;
    }
  };
  const [hostile] = await Promise.all([
    healthLatencies(base, until),
    ...Array.from({ length: SENDERS }, (_, i) => sender(i)),
  ]);

  const results = {
    quiet,
    hostile,
    p50Ratio: +(hostile.p50Ms / quiet.p50Ms).toFixed(1),
    p99Ratio: +(hostile.p99Ms / quiet.p99Ms).toFixed(1),
    hostileRequests: sent,
    hostilePerSecond: Math.round(sent / (DURATION_MS / 1000)),
    answers: Object.fromEntries([...answers].map(([k, v]) => [k, Object.fromEntries(v)])),
  };
  const doc = writeResults('hostile.json', results, {
    senders: SENDERS,
    durationS: DURATION_MS / 1000,
  });
  process.stdout.write(
    `\nHostile bodies, ${doc.takenAt}, Node ${doc.node}, ${doc.cpus}, ${SENDERS} senders\n\n` +
      '| GET /health | n | p50 ms | p95 ms | p99 ms |\n| --- | ---: | ---: | ---: | ---: |\n' +
      `| quiet | ${quiet.n} | ${quiet.p50Ms} | ${quiet.p95Ms} | ${quiet.p99Ms} |\n` +
      `| under hostile bodies | ${hostile.n} | ${hostile.p50Ms} | ${hostile.p95Ms} | ${hostile.p99Ms} |\n\n` +
      `p50 × ${results.p50Ratio}, p99 × ${results.p99Ratio}; ${sent} hostile requests ` +
      `(${results.hostilePerSecond}/s), answered:\n${JSON.stringify(results.answers, null, 2)}\n`,
  );
} finally {
  await app.stop();
}
