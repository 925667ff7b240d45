import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Test } from 'supertest';
import { DemoCoordinatorsSeeder } from '../../src/alerts/index.js';
import { DemoCasesSeeder } from '../../src/cases/demo-cases.seeder.js';
import { SeedService } from '../../src/identity/index.js';
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

/**
 * A freeze order answered by the bank with a recovery from it, and an approved warning: records
 * the demo has not, so that requests to their endpoints get past "not found".
 */
async function seedThroughApi(t: TestApp): Promise<void> {
  const as = async (user: string) => ({ authorization: `Bearer ${await t.token(user)}` });
  const [card] = (await t.db.query(
    `SELECT ci.case_id, ci.identifier_id FROM case_identifiers ci
       JOIN identifiers i ON i.id = ci.identifier_id JOIN cases c ON c.id = ci.case_id
       JOIN users u ON u.id = c.officer_id
      WHERE i.kind = 'bank_card' AND u.username = $1 ORDER BY c.reported_at LIMIT 1`,
    [USERS.officer],
  )) as { case_id: string; identifier_id: string }[];
  const unit = async (code: string) =>
    ((await t.db.query('SELECT id FROM units WHERE code = $1', [code])) as { id: string }[])[0].id;
  const order = await t
    .http()
    .post('/api/v1/freeze-orders')
    .set(await as(USERS.officer))
    .send({
      kind: 'freeze',
      caseId: card.case_id,
      identifierId: card.identifier_id,
      bankUnitId: await unit('ICBC-GY'),
      requestedFen: 1_000_000,
    })
    .expect(201);
  await t
    .http()
    .post(`/api/v1/freeze-orders/${order.body.id as string}/response`)
    .set(await as(USERS.icbc))
    .send({ answer: 'frozen' })
    .expect(200);
  await t
    .http()
    .post('/api/v1/recoveries')
    .set(await as(USERS.officer))
    .send({
      orderId: order.body.id as string,
      amountFen: 500_000,
      recoveredOn: '2026-12-01',
      legalBasis: '《公安机关办理刑事案件程序规定》第二百三十八条',
    })
    .expect(201);
  const warning = await t
    .http()
    .post('/api/v1/warnings')
    .set(await as(USERS.community))
    .send({
      title: '警惕冒充客服退款诈骗',
      body: '近期辖区多发冒充客服诈骗。',
      fraudType: 'fake_customer_service',
      severity: 'severe',
      targetUnitIds: [await unit('GY-YY-QL-DS')],
    })
    .expect(201);
  await t
    .http()
    .post(`/api/v1/warnings/${warning.body.id as string}/approve`)
    .set(await as(USERS.supervisorYunyan))
    .expect((res) => assert.ok(res.status < 300, res.text));
}

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
            const { type, code, message, table, column, constraint } = entry.err;
            const where = [table, column, constraint].filter(Boolean).join('.');
            causes.set(
              entry.requestId,
              [type, code, where && `(${where})`].filter(Boolean).join(' ') +
                `: ${String(message).slice(0, 160)}`,
            );
          },
        },
      },
    );
  });
  afterAll(() => t.close());
  beforeAll(async () => {
    // The demo's cases, orders, warnings and coordinators, so valid requests find real records.
    await t.app.get(SeedService).loadDemo('demo-city.json'); // the demo cases' other officers
    await t.app.get(DemoCasesSeeder).load();
    await t.app.get(DemoCasesSeeder).load('demo-city-cases.json');
    await t.app.get(DemoCoordinatorsSeeder).load();
    await seedThroughApi(t);
    // One port for the whole run: supertest would otherwise listen on a new ephemeral port per
    // request, thousands of them, which other files' servers (npm start on a free port) may race.
    await t.app.listen(0, '127.0.0.1');
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
