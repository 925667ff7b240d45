// Helpers shared by the benchmarks: child servers, readiness, autocannon runs, result files.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts a child process and resolves once `url` answers 200, or rejects after `timeoutMs`. */
export async function startChild(cmd, args, env, url, timeoutMs = 90_000) {
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.status === 200) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** One autocannon run; returns requests/s (mean) and latency percentiles in ms. */
export async function load(
  name,
  url,
  { connections = 50, duration = 10, headers = {}, requests } = {},
) {
  // Warm-up, not recorded.
  await autocannon({ url, connections, duration: 2, headers, requests });
  const r = await autocannon({ url, connections, duration, headers, requests });
  const non2xx = r.non2xx + r.errors + r.timeouts;
  return {
    name,
    requestsPerSecond: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    failed: non2xx,
  };
}

/** p50/p95/p99 of latency samples in ms. */
export function percentiles(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
  return {
    n: s.length,
    p50Ms: +at(50).toFixed(2),
    p95Ms: +at(95).toFixed(2),
    p99Ms: +at(99).toFixed(2),
  };
}

export function writeResults(file, results, extra = {}) {
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const doc = {
    takenAt: new Date().toISOString(),
    node: process.version,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    ...extra,
    results,
  };
  writeFileSync(join(dir, file), JSON.stringify(doc, null, 2));
  return doc;
}

export function table(rows, baseline) {
  const lines = [
    '| endpoint | requests/s | vs hello-world | p50 ms | p99 ms | non-2xx |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const ratio = baseline
      ? `${((r.requestsPerSecond / baseline.requestsPerSecond) * 100).toFixed(0)} %`
      : '';
    lines.push(
      `| ${r.name} | ${r.requestsPerSecond} | ${ratio} | ${r.p50Ms} | ${r.p99Ms} | ${r.failed} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Starts the built app (`node dist/main.js`) as a child for a benchmark: a free port, its own
 * embedded PostgreSQL in a fresh temporary folder (unless DATABASE_URL is set), the bench's PII
 * key and JWT secret, LOG_LEVEL=warn unless set. Resolves once /health answers; `stop()` ends it.
 */
export async function startBenchApp(name, { piiKey, timeoutMs = 600_000 }) {
  const appPort = await freePort();
  const pgPort = await freePort();
  const base = `http://127.0.0.1:${appPort}`;
  const app = await startChild(
    process.execPath,
    ['dist/main.js'],
    {
      PORT: String(appPort),
      DATA_DIR: mkdtempSync(join(tmpdir(), `jw-bench-${name}-`)),
      EMBEDDED_PG_PORT: String(pgPort),
      PII_KEY: piiKey.toString('base64'),
      JWT_SECRET: 'bench-secret-0123456789-0123456789-0123456789',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
    `${base}/health`,
    // The first start initializes the embedded PostgreSQL: minutes on a busy shared machine.
    timeoutMs,
  );
  const dbUrl =
    process.env.DATABASE_URL ?? `postgres://postgres:jingwang@127.0.0.1:${pgPort}/jingwang`;
  return { base, dbUrl, pid: app.pid, stop: app.stop };
}
