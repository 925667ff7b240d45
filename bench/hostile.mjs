// Hostile bodies (hardening issue, item 2): how long GET /health takes while anonymous clients send
// bodies meant to stall the server, against the same server quiet and under as many clients sending
// ordinary small bad requests. The built app runs in a child process (as in baseline.mjs); /health
// is asked one request at a time, as a user would, while the clients run in a worker thread (their
// writes do not delay the measuring loop).
// DURATION (default 10) seconds per phase, SENDERS (default 4) clients; ONLY (a substring of a
// body's name) sends only those hostile bodies.
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { freePort, percentiles, startChild, writeResults } from './lib.mjs';

const DURATION_MS = Number(process.env.DURATION ?? 10) * 1000;
const SENDERS = Number(process.env.SENDERS ?? 4);

const emptyObjects = (n) => `[${'{},'.repeat(n - 1)}{}]`;

/** The bodies of a phase: what each is, where it goes, and the text. */
function bodies(phase) {
  if (phase === 'ordinary') return [['{} to the login (400)', '/api/v1/auth/login', '{}']];
  const objects2m = emptyObjects(2_000_000);
  return [
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
  ].filter(([name]) => !process.env.ONLY || name.includes(process.env.ONLY));
}

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

/**
 * The worker: builds the bodies, says when it will stop (the measuring starts then, not while the
 * bodies are built), runs `senders` loops of POSTs for the phase and posts back the answers.
 */
async function send({ phase, port, senders }) {
  const list = bodies(phase).map(([name, path, text]) => ({ name, path, body: Buffer.from(text) }));
  const until = Date.now() + DURATION_MS;
  parentPort.postMessage({ until });
  const answers = Object.fromEntries(list.map((b) => [b.name, {}]));
  let sent = 0;
  const sender = async (first) => {
    for (let i = first; Date.now() < until; i++) {
      const b = list[i % list.length];
      const status = await post(port, b.path, b.body);
      answers[b.name][status] = (answers[b.name][status] ?? 0) + 1;
      sent++;
    }
  };
  await Promise.all(Array.from({ length: senders }, (_, i) => sender(i)));
  parentPort.postMessage({ sent, answers });
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

/** /health for DURATION while the worker sends the phase's bodies (none when quiet). */
async function phase(name, port) {
  const base = `http://127.0.0.1:${port}`;
  if (name === 'quiet')
    return { name, health: await healthLatencies(base, Date.now() + DURATION_MS) };
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { phase: name, port, senders: SENDERS },
  });
  // Every message the worker posts, in order, whenever it is asked for.
  const inbox = [];
  let wake = () => {};
  worker.on('message', (m) => {
    inbox.push(m);
    wake();
  });
  const failed = new Promise((_, reject) => worker.once('error', reject));
  const next = async () => {
    while (inbox.length === 0)
      await Promise.race([new Promise((resolve) => (wake = resolve)), failed]);
    return inbox.shift();
  };
  const { until } = await next();
  const health = await healthLatencies(base, until);
  const { sent, answers } = await next();
  return { name, health, sent, perSecond: Math.round(sent / (DURATION_MS / 1000)), answers };
}

async function main() {
  const port = await freePort();
  const app = await startChild(
    process.execPath,
    ['dist/main.js'],
    {
      PORT: String(port),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'jw-bench-')),
      EMBEDDED_PG_PORT: String(await freePort()),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    },
    `http://127.0.0.1:${port}/health`,
  );
  try {
    // Warm-up, not recorded.
    await healthLatencies(`http://127.0.0.1:${port}`, Date.now() + 2000);
    const results = [];
    for (const name of ['quiet', 'ordinary', 'hostile']) results.push(await phase(name, port));
    const doc = writeResults('hostile.json', results, {
      senders: SENDERS,
      durationS: DURATION_MS / 1000,
    });
    const quiet = results[0].health;
    const lines = [
      `\nHostile bodies, ${doc.takenAt}, Node ${doc.node}, ${doc.cpus}, ${SENDERS} senders\n`,
      '| GET /health while | n | p50 ms | p95 ms | p99 ms | p50 vs quiet | p99 vs quiet | their requests/s |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...results.map(
        ({ name, health: h, perSecond }) =>
          `| ${name} | ${h.n} | ${h.p50Ms} | ${h.p95Ms} | ${h.p99Ms} | ` +
          `× ${(h.p50Ms / quiet.p50Ms).toFixed(1)} | × ${(h.p99Ms / quiet.p99Ms).toFixed(1)} | ` +
          `${perSecond ?? ''} |`,
      ),
      '',
      `Answers: ${JSON.stringify(Object.fromEntries(results.slice(1).map((r) => [r.name, r.answers])), null, 2)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await app.stop();
  }
}

if (isMainThread) await main();
else await send(workerData);
