// Baseline: a bare Fastify hello-world, GET /health and GET /api/v1/auth/me with a token,
// each at 50 connections for 10 s after a 2 s warm-up, in one run, servers in child processes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, load, startChild, table, writeResults } from './lib.mjs';

const helloPort = await freePort();
const appPort = await freePort();
const hello = await startChild(
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
    // An embedded PostgreSQL in a temporary folder unless DATABASE_URL is given; queues as REDIS_URL says.
    DATA_DIR: mkdtempSync(join(tmpdir(), 'jw-bench-')),
    EMBEDDED_PG_PORT: String(await freePort()),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  },
  `http://127.0.0.1:${appPort}/health`,
);
try {
  const login = await fetch(`http://127.0.0.1:${appPort}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'li.officer', password: 'jingwang-demo' }),
  });
  const { accessToken } = await login.json();
  const results = [];
  results.push(await load('bare Fastify hello-world', `http://127.0.0.1:${helloPort}/`));
  results.push(await load('GET /health', `http://127.0.0.1:${appPort}/health`));
  results.push(
    await load('GET /api/v1/auth/me (JWT)', `http://127.0.0.1:${appPort}/api/v1/auth/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    }),
  );
  const doc = writeResults('baseline.json', results, {
    database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL',
    queues: process.env.REDIS_URL ? 'Redis' : 'PostgreSQL',
    logLevel: process.env.LOG_LEVEL ?? 'info',
  });
  process.stdout.write(
    `\nBaseline, ${doc.takenAt}, Node ${doc.node}, ${doc.cpus}, database: ${doc.database}, queues: ${doc.queues}\n\n`,
  );
  process.stdout.write(`${table(results, results[0])}\n`);
} finally {
  await app.stop();
  await hello.stop();
}
