import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Test } from 'supertest';
import { DemoCoordinatorsSeeder } from '../../src/alerts/demo-coordinators.seeder.js';
import { DemoCasesSeeder } from '../../src/cases/demo-cases.seeder.js';
import { formatReport, fuzz, FuzzCaller } from '../fuzz/run.js';
import type { OpenApiDoc } from '../fuzz/openapi.js';
import { bootApp, TestApp, USERS } from '../harness.js';

/** `npm run fuzz` sets FUZZ_RUNS=10000 and FUZZ_SEED=random; the suite runs a fixed sample. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED =
  process.env.FUZZ_SEED === 'random'
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.FUZZ_SEED ?? 20261130);

/** One demo user per role, and no one; weighted toward the roles most endpoints serve. */
const CALLERS: (Omit<FuzzCaller, 'token'> & { username?: string })[] = [
  { label: 'anonymous', weight: 1 },
  { label: 'admin', username: USERS.admin, weight: 2 },
  { label: 'supervisor', username: USERS.supervisor, weight: 3 },
  { label: 'officer', username: USERS.officer, weight: 3 },
  { label: 'bank_liaison', username: USERS.icbc, weight: 2 },
  { label: 'community_police', username: USERS.community, weight: 2 },
];

describe('fuzz: generated requests to every operation, as every role', () => {
  let t: TestApp;
  /** The error logged for each failed request, by request id. */
  const causes = new Map<string, string>();
  beforeAll(async () => {
    t = await bootApp(
      'postgres',
      // No workers: nothing but the fuzzer's own requests writes, so a 4xx that wrote shows.
      { runWorkers: false, logLevel: 'error' },
      {
        logDestination: {
          write(line: string) {
            const entry = JSON.parse(line) as { requestId?: string; err?: Record<string, unknown> };
            if (!entry.requestId || !entry.err) return;
            const { type, code, message } = entry.err;
            causes.set(
              entry.requestId,
              `${String(type)}${code ? ` ${String(code)}` : ''}: ${String(message).slice(0, 160)}`,
            );
          },
        },
      },
    );
  });
  afterAll(() => t.close());
  beforeAll(async () => {
    // The demo's cases, orders, warnings and coordinators, so valid requests find real records.
    await t.app.get(DemoCasesSeeder).load();
    await t.app.get(DemoCoordinatorsSeeder).load();
  });

  it(
    `answers ${RUNS} valid and mutated requests with no 5xx, no hang and no write on a 4xx`,
    async () => {
      const doc = (await t.http().get('/docs-json').expect(200)).body as OpenApiDoc;
      const callers: FuzzCaller[] = [];
      for (const c of CALLERS)
        callers.push({ ...c, token: c.username ? await t.token(c.username) : undefined });
      const agent = (method: string, url: string) =>
        (t.http() as unknown as Record<string, (url: string) => Test>)[method](url);
      const report = await fuzz(agent, t.db, doc, {
        runs: RUNS,
        seed: SEED,
        timeoutMs: 10_000,
        callers,
        keepUsers: CALLERS.flatMap((c) => (c.username ? [c.username] : [])),
        causeOf: (id) => causes.get(id),
      });
      const text = formatReport(report);
      process.stdout.write(`\n${text}`);
      assert.equal(report.sent + (report.byClass['not sent'] ?? 0), RUNS);
      assert.equal(report.failures.length, 0, text);
    },
    Math.max(90_000, RUNS * 200),
  );
});
