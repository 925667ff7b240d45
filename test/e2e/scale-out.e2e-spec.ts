import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Client } from 'pg';
import { newCase } from '../builders.js';
import { FakeWecom } from '../fakes/wecom-robot.js';
import {
  ADMIN,
  createTestDatabase,
  DEMO_PASSWORD,
  describeEachBackend,
  eventually,
  USERS,
} from '../harness.js';
import { freePort } from '../setup/servers.js';
import { testConfig } from '../setup/test-config.js';

/**
 * Scale-out on one machine: two API processes (`main.js`, RUN_WORKERS=false) and two worker
 * processes (`worker.js`) on one database and one queue store, as a deployment with replicas runs
 * them. Everything goes through HTTP and the database, never through the app's modules, so what is
 * proven is what the processes do to each other:
 *   (a) every in-memory cache is dropped across processes: a change through API process A (or by
 *       SQL, as an operator's correction) is what B answers as soon as the change's NOTIFY reaches
 *       it (milliseconds; see ANNOUNCED_MS), where without it B would answer from memory (the
 *       controls) for the cache's lifetime;
 *   (b) a warning fanned out over both workers reaches each coordinator exactly once, and a robot
 *       shared by many groups never gets more than its 20 a window from the two together;
 *   (c) freeze-order reminders and expiries due while both workers start (each reconciles every
 *       live order at start) happen once each.
 */

const DIST_SRC = join(import.meta.dirname, '..', '..', 'src');
/**
 * Our limiter's window per robot (ALERTS_ROBOT_WINDOW_MS) and the fake robot's, 3 s shorter: the
 * margin for the time from a send's reservation to the robot receiving it (1 s in production,
 * where the window is 61 s; on 2 cores shared with other test files a send took over 2 s).
 */
const WINDOW_MS = 6000;
const ROBOT_WINDOW_MS = WINDOW_MS - 3000;
/** Robots shared by many groups, the groups behind each, and groups with a robot of their own. */
const SHARED_ROBOTS = 2;
const PER_SHARED = 30;
const OWN = 40;
/** Freeze orders whose reminder is due at start, and whose expiry is. */
const TO_REMIND = 4;
const TO_EXPIRE = 2;

type H = Record<string, string>;
interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of the API under test
}

interface Proc {
  name: string;
  child: ChildProcess;
  output: () => string;
}

/** Four processes start on 2 shared cores: slow when other test files run beside this one. */
const STARTUP_MS = 240_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function start(name: string, file: string, env: NodeJS.ProcessEnv): Proc {
  let out = '';
  const child = spawn(process.execPath, [join(DIST_SRC, file)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return { name, child, output: () => out };
}

async function ready(p: Proc, isReady: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + STARTUP_MS - 30_000;
  for (;;) {
    assert.ok(p.child.exitCode === null, `${p.name} exited:\n${p.output()}`);
    if (await isReady().catch(() => false)) return;
    assert.ok(Date.now() < deadline, `${p.name} did not start:\n${p.output()}`);
    await sleep(100);
  }
}

async function stop(p: Proc | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  await exited;
}

async function call(
  base: string,
  method: string,
  path: string,
  headers: H = {},
  body?: unknown,
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (metrics)
  }
  return { status: res.status, body: parsed };
}

/**
 * A change is announced by NOTIFY when it commits; another process drops what it held when the
 * notification reaches it: milliseconds, more on loaded cores, so the next request there may
 * still race it. Polled every 10 ms up to this bound, far below the caches' lifetimes (a minute
 * for callers, ten for case views): what is proven is the invalidation, not the expiry.
 */
const ANNOUNCED_MS = 3000;

async function seen(what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ANNOUNCED_MS;
  while (!(await probe())) {
    assert.ok(Date.now() < deadline, `${what}: still the old answer after ${ANNOUNCED_MS} ms`);
    await sleep(10);
  }
}

/** Asserts the status, naming the answer when it differs; returns the body. */
function ok(a: Answer, status = 200): Answer['body'] {
  assert.equal(a.status, status, JSON.stringify(a.body));
  return a.body;
}

/**
 * Four app processes, on the PostgreSQL queue backend, hold well over a hundred connections (each
 * queue and worker has its own pool). The embedded server the default `npm test` starts has 300;
 * a given server often has PostgreSQL's default 100, shared with the rest of the run: there the
 * processes would fail with "too many clients", so the file says why and does not run.
 */
const CONNECTIONS_NEEDED = 150;
async function freeConnections(): Promise<number> {
  const c = new Client({ connectionString: process.env.JW_TEST_ADMIN_URL });
  await c.connect();
  try {
    const { rows } = await c.query<{ free: number }>(
      `SELECT current_setting('max_connections')::int
              - (SELECT count(*)::int FROM pg_stat_activity) AS free`,
    );
    return rows[0].free;
  } finally {
    await c.end();
  }
}
const free = await freeConnections();
const describeScaleOut: (title: string, fn: (backend: 'postgres' | 'redis') => void) => void =
  free >= CONNECTIONS_NEEDED
    ? describeEachBackend
    : (title) =>
        describe.skip(`${title}: not run, ${free} free connections on this PostgreSQL, ${CONNECTIONS_NEEDED} needed`, () => {
          it('runs where the server has the connections', () => undefined);
        });

describeScaleOut('scale-out: two API processes and two workers on one database', (backend) => {
  const robots = new FakeWecom(20, ROBOT_WINDOW_MS);
  const cfg = testConfig();
  let database: { url: string; drop(): Promise<void> };
  let db: Client;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let A = '';
  let B = '';
  const apis: Proc[] = [];
  const workers: Proc[] = [];
  /** The ack links' base differs per worker (PUBLIC_BASE_URL), so a message tells who sent it. */
  const workerBase = ['http://worker-one.test', 'http://worker-two.test'];
  const tokens = new Map<string, string>();
  const unit: Record<string, string> = {};
  const orders: string[] = [];

  async function token(base: string, username: string, password = DEMO_PASSWORD) {
    const key = `${username}\n${password}`;
    const known = tokens.get(key);
    if (known) return known;
    const body = ok(await call(base, 'POST', '/api/v1/auth/login', {}, { username, password }));
    tokens.set(key, body.accessToken as string);
    return body.accessToken as string;
  }
  const as = async (username: string, password?: string): Promise<H> => ({
    authorization: `Bearer ${await token(A, username, username === ADMIN.username ? ADMIN.password : password)}`,
  });

  /** No outbox event left and no job waiting or running (delayed jobs are the future's). */
  async function settled(): Promise<void> {
    await eventually(
      'outbox relayed and queues idle',
      async () => {
        const { rows } = await db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL',
        );
        if (rows[0].n) return false;
        const metrics = (await call(A, 'GET', '/metrics')).body as string;
        const busy = [
          ...metrics.matchAll(/^queue_jobs\{[^}]*state="(waiting|active)"[^}]*\} (\d+)/gm),
        ];
        assert.ok(busy.length > 0, 'the queue gauges are exported');
        return busy.every((m) => m[2] === '0');
      },
      60_000,
    );
  }

  /** A statement with triggers off (session_replication_role): nothing is announced. */
  async function silently(sql: string, params: unknown[]): Promise<void> {
    await db.query('BEGIN');
    try {
      await db.query('SET LOCAL session_replication_role = replica');
      await db.query(sql, params);
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK');
      throw err;
    }
  }

  beforeAll(async () => {
    await robots.start();
    database = await createTestDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
    dataDir = mkdtempSync(join(tmpdir(), 'jw-scale-'));
    const redisUrl = backend === 'redis' ? (process.env.JW_TEST_REDIS_URL ?? '') : '';
    env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: `scale${process.pid}`,
      JWT_SECRET: cfg.jwtSecret,
      PII_KEY: cfg.piiKey.toString('base64'),
      PII_KEY_ID: cfg.piiKeyId,
      AUDIT_KEY: cfg.auditKey.toString('base64'),
      AUDIT_ANCHOR_INTERVAL_MS: '0',
      BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      SEED_DEMO: 'false',
      WECOM_API_BASE: robots.base,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      ALERTS_ROBOT_WINDOW_MS: String(WINDOW_MS),
      TREND_SCAN_INTERVAL_MS: '0',
    };
    const ports = [await freePort(), await freePort()];
    [A, B] = ports.map((p) => `http://127.0.0.1:${p}`);
    ports.forEach((port, i) =>
      apis.push(
        start(`API ${'AB'[i]}`, 'main.js', {
          ...env,
          PORT: String(port),
          HOST: '127.0.0.1',
          RUN_WORKERS: 'false',
          AUDIT_ANCHOR_FILE: join(dataDir, `anchors-api-${i}.log`),
        }),
      ),
    );
    await Promise.all(
      apis.map((p, i) => ready(p, async () => (await fetch(`${[A, B][i]}/health`)).status === 200)),
    );

    for (const code of ['GY-YY-QL-DS', 'GY-YY-QL-QLDL', 'GY-YY-QL', 'ICBC-GY', 'GY-NM-HX']) {
      const { rows } = await db.query<{ id: string }>('SELECT id FROM units WHERE code = $1', [
        code,
      ]);
      unit[code] = rows[0].id;
    }

    // (c) Orders filed and answered through both API processes before any worker runs; then
    // their reminder (or expiry) is made due, as if the days had passed while the workers were
    // down. Both workers reconcile every live order as they start, so each order is scheduled
    // by both: the reminders and expiries below must still happen once.
    const officer = await as(USERS.officer);
    const liaison = await as(USERS.icbc);
    for (let i = 0; i < TO_REMIND + TO_EXPIRE; i++) {
      const api = i % 2 ? B : A;
      const c = ok(
        await call(api, 'POST', '/api/v1/cases', officer, {
          ...newCase(),
          identifiers: [
            {
              kind: 'bank_card',
              value: `6217 0000 1000 ${2000 + i} 678`,
              bankName: '中国工商银行',
              role: 'receiving_account',
            },
          ],
        }),
        201,
      );
      const order = ok(
        await call(api, 'POST', '/api/v1/freeze-orders', officer, {
          kind: 'stop_payment',
          caseId: c.id,
          identifierId: c.identifiers[0].id,
          bankUnitId: unit['ICBC-GY'],
          requestedFen: 1_000_000,
        }),
        201,
      );
      ok(
        await call(i % 2 ? A : B, 'POST', `/api/v1/freeze-orders/${order.id}/response`, liaison, {
          answer: 'frozen',
        }),
      );
      orders.push(order.id as string);
    }
    await db.query(
      `UPDATE freeze_orders SET remind_at = now() - interval '1 second' WHERE id = ANY($1)`,
      [orders.slice(0, TO_REMIND)],
    );
    await db.query(
      `UPDATE freeze_orders SET remind_at = now() - interval '2 hours',
         expires_at = now() - interval '1 second' WHERE id = ANY($1)`,
      [orders.slice(TO_REMIND)],
    );

    for (let i = 0; i < 2; i++)
      workers.push(
        start(`worker ${i + 1}`, 'worker.js', {
          ...env,
          PUBLIC_BASE_URL: workerBase[i],
          // Fewer sends at once per process than the defaults (32 jobs, 256 sends): less
          // event-loop lag between a send's reservation and its request on loaded cores (the
          // margin above).
          ALERTS_DELIVER_CONCURRENCY: '8',
          ALERTS_SENDS_IN_FLIGHT: '8',
          AUDIT_ANCHOR_FILE: join(dataDir, `anchors-worker-${i}.log`),
        }),
      );
    await Promise.all(
      workers.map((w) => ready(w, async () => /Workers running on/.test(w.output()))),
    );
  }, STARTUP_MS);

  afterAll(async () => {
    await Promise.all([...workers, ...apis].map((p) => stop(p)));
    await robots.stop();
    await db?.end();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  // The caches do not depend on the queue backend: once, on PostgreSQL (always under test).
  if (backend === 'postgres')
    describe('(a) caches', () => {
      it('a case changed through one process (or by SQL) is read fresh by the other once NOTIFY reaches it', async () => {
        const officer = await as(USERS.officer);
        const created = ok(await call(A, 'POST', '/api/v1/cases', officer, newCase()), 201);
        const id = created.id as string;
        const read = async (base: string) =>
          ok(await call(base, 'GET', `/api/v1/cases/${id}`, officer));
        // Both processes hold the view in memory from here on.
        for (const base of [A, B, A, B]) assert.equal((await read(base)).summary, created.summary);
        // Control: a change with the triggers off (as logical replication applies rows) is not
        // announced, so both still answer what they hold: the reads above come from memory.
        await silently('UPDATE cases SET summary = $2 WHERE id = $1', [id, '未经通知的改动。']);
        for (const base of [A, B]) assert.equal((await read(base)).summary, created.summary);

        for (let k = 1; k <= 6; k++) {
          const [writer, reader] = k % 2 ? [A, B] : [B, A];
          const summary = `第${k}次更新：受害人补充说明了转账经过，涉案金额有变化。`;
          ok(await call(writer, 'PATCH', `/api/v1/cases/${id}`, officer, { summary }));
          await seen(
            `update ${k}, read on the other`,
            async () => (await read(reader)).summary === summary,
          );
        }

        const linked = ok(
          await call(B, 'POST', `/api/v1/cases/${id}/identifiers`, officer, {
            kind: 'phone',
            value: '171-0000-2222',
            role: 'contact_phone',
          }),
          201,
        ) as { id: string }[];
        assert.equal(linked.length, created.identifiers.length + 1);
        assert.deepEqual(
          ((await read(A)).identifiers as { id: string }[]).map((i) => i.id).sort(),
          linked.map((i) => i.id).sort(),
          'an identifier linked through B is in A’s view',
        );

        // An operator's correction by SQL: no API process made it, the trigger announces it.
        await db.query('UPDATE cases SET summary = $2 WHERE id = $1', [
          id,
          '数据库直接更正的简要案情。',
        ]);
        for (const base of [A, B])
          await seen(
            'the SQL correction',
            async () => (await read(base)).summary === '数据库直接更正的简要案情。',
          );
      });

      it('a user moved, re-passworded or disabled through one process is rescoped or refused by the other once NOTIFY reaches it', async () => {
        const admin = await as(ADMIN.username);
        const user = ok(
          await call(A, 'POST', '/api/v1/users', admin, {
            username: 'scale.officer',
            displayName: '扩容测试民警',
            password: DEMO_PASSWORD,
            role: 'officer',
            unitId: (
              await db.query<{ unit_id: string }>(`SELECT unit_id FROM users WHERE username = $1`, [
                USERS.officer,
              ])
            ).rows[0].unit_id,
          }),
          201,
        );
        const officer = await as(USERS.officer);
        const c = ok(await call(A, 'POST', '/api/v1/cases', officer, newCase()), 201);
        const h = { authorization: `Bearer ${await token(B, 'scale.officer')}` };
        // Both processes hold the user (and the case view) in memory.
        for (const base of [A, B]) {
          assert.equal(ok(await call(base, 'GET', '/api/v1/auth/me', h)).role, 'officer');
          ok(await call(base, 'GET', `/api/v1/cases/${c.id}`, h));
        }

        // Control: a role changed with the triggers off is not seen: the user is held in memory.
        await silently(`UPDATE users SET role = 'supervisor' WHERE id = $1`, [user.id]);
        for (const base of [A, B])
          assert.equal(ok(await call(base, 'GET', '/api/v1/auth/me', h)).role, 'officer');
        await silently(`UPDATE users SET role = 'officer' WHERE id = $1`, [user.id]);

        // Moved to 南明's 花溪大道派出所 through A: B answers with the new unit, and the case of
        // 云岩 is out of the user's scope there at once.
        ok(await call(A, 'PATCH', `/api/v1/users/${user.id}`, admin, { unitId: unit['GY-NM-HX'] }));
        await seen(
          'the move, on B',
          async () => ok(await call(B, 'GET', '/api/v1/auth/me', h)).unit.id === unit['GY-NM-HX'],
        );
        assert.equal((await call(B, 'GET', `/api/v1/cases/${c.id}`, h)).status, 404);
        // Made a supervisor through B: A knows at once.
        ok(await call(B, 'PATCH', `/api/v1/users/${user.id}`, admin, { role: 'supervisor' }));
        await seen(
          'the new role, on A',
          async () => ok(await call(A, 'GET', '/api/v1/auth/me', h)).role === 'supervisor',
        );

        // A new password set through B: the earlier token is refused by A.
        ok(
          await call(B, 'PATCH', `/api/v1/users/${user.id}`, admin, {
            password: 'scale-new-pass-1',
          }),
        );
        await seen(
          'the new password, on A',
          async () => (await call(A, 'GET', '/api/v1/auth/me', h)).status === 401,
        );
        const h2 = {
          authorization: `Bearer ${await token(A, 'scale.officer', 'scale-new-pass-1')}`,
        };
        for (const base of [A, B]) ok(await call(base, 'GET', '/api/v1/auth/me', h2));
        // Disabled through A: B refuses the new token too.
        ok(await call(A, 'PATCH', `/api/v1/users/${user.id}`, admin, { disabled: true }));
        await seen(
          'the disabling, on B',
          async () => (await call(B, 'GET', '/api/v1/auth/me', h2)).status === 401,
        );
        assert.equal((await call(A, 'GET', '/api/v1/auth/me', h2)).status, 401);
      });

      it('an API key revoked through one process is refused by the other at once', async () => {
        const admin = await as(ADMIN.username);
        const issued = ok(
          await call(A, 'POST', '/api/v1/api-keys', admin, {
            unitId: unit['ICBC-GY'],
            name: '扩容测试核心系统',
          }),
          201,
        );
        const h = { 'x-api-key': issued.key as string };
        for (const base of [A, B]) ok(await call(base, 'GET', '/api/v1/freeze-orders', h));
        ok(await call(B, 'POST', `/api/v1/api-keys/${issued.id}/revoke`, admin, {}), 200);
        for (const base of [A, B])
          assert.equal((await call(base, 'GET', '/api/v1/freeze-orders', h)).status, 401);
      });

      it('failed logins count together across processes (the limit lives in PostgreSQL)', async () => {
        const { max } = { max: 5 }; // LOGIN_RATE_LIMIT's default, per address and username
        // The windows are fixed minutes (epoch-aligned): start early in one, so that all seven
        // attempts fall into the same window.
        const intoMinute = Date.now() % 60_000;
        if (intoMinute > 30_000) await sleep(60_000 - intoMinute + 200);
        for (let i = 0; i < max; i++) {
          const r = await call(
            i % 2 ? B : A,
            'POST',
            '/api/v1/auth/login',
            {},
            {
              username: USERS.ccb,
              password: 'wrong-password-0',
            },
          );
          assert.equal(r.status, 401, `attempt ${i + 1}`);
        }
        for (const base of [A, B]) {
          const r = await call(
            base,
            'POST',
            '/api/v1/auth/login',
            {},
            {
              username: USERS.ccb,
              password: DEMO_PASSWORD,
            },
          );
          assert.equal(r.status, 429, 'the sixth attempt is refused, whichever process takes it');
        }
      });
    });

  it('(b) each coordinator gets one message across two workers, and a shared robot never more than 20 a window', async () => {
    const chen = await as(USERS.community);
    const route = new Map<string, string>();
    const specs: { key: string; community: string }[] = [];
    for (let r = 0; r < SHARED_ROBOTS; r++)
      for (let i = 0; i < PER_SHARED; i++)
        specs.push({ key: `shared-${r}`, community: i % 2 ? 'GY-YY-QL-DS' : 'GY-YY-QL-QLDL' });
    for (let i = 0; i < OWN; i++)
      specs.push({ key: `own-robot-${i}`, community: i % 2 ? 'GY-YY-QL-DS' : 'GY-YY-QL-QLDL' });
    for (let i = 0; i < specs.length; i += 20) {
      await Promise.all(
        specs.slice(i, i + 20).map(async (s, j) => {
          const n = i + j;
          const body = ok(
            await call(n % 2 ? A : B, 'POST', '/api/v1/coordinators', chen, {
              name: `协调员${n}`,
              phone: `138${String(n).padStart(8, '0')}`,
              communityId: unit[s.community],
              groupName: `扩容测试${n}群`,
              groupSize: 200,
              channel: 'wecom_bot',
              webhookUrl: robots.url(s.key),
            }),
            201,
          );
          route.set(body.id as string, s.key);
        }),
      );
    }
    const title = `扩容测试预警-${backend}`;
    const w = ok(
      await call(A, 'POST', '/api/v1/warnings', chen, {
        title,
        body: '近期辖区多发冒充客服退款诈骗，请提醒群成员。',
        fraudType: 'fake_customer_service',
        severity: 'severe',
        targetUnitIds: [unit['GY-YY-QL']],
      }),
      201,
    );
    ok(await call(B, 'POST', `/api/v1/warnings/${w.id}/approve`, await as(USERS.supervisorYunyan)));
    const started = Date.now();
    ok(await call(B, 'POST', `/api/v1/warnings/${w.id}/publish`, chen, {}));

    const total = specs.length;
    const d = await eventually(
      'every delivery sent',
      async () => {
        const r = ok(await call(A, 'GET', `/api/v1/warnings/${w.id}/deliveries`, chen));
        return r.counts.sent === total ? r : undefined;
      },
      60_000,
    );
    await settled();

    // One row and one message per coordinator, the message carrying that row's delivery.
    const rows = (d.items as { id: string; kind: string; coordinatorId: string }[]).filter(
      (i) => i.kind === 'warning' && route.has(i.coordinatorId),
    );
    assert.equal(rows.length, total);
    const about = (key: string) => robots.messages(key).filter((m) => m.content.includes(title));
    const delivered = new Map<string, number>();
    for (const key of new Set(route.values()))
      for (const m of about(key)) {
        const id = /deliveries\/([0-9a-f-]{36})\?token=/.exec(m.content)?.[1] ?? '?';
        delivered.set(id, (delivered.get(id) ?? 0) + 1);
      }
    const wrong = rows
      .filter((r) => delivered.get(r.id) !== 1)
      .map((r) => `${route.get(r.coordinatorId)}: ${delivered.get(r.id) ?? 0}`);
    assert.deepEqual(wrong, [], 'each coordinator received exactly its one message');
    assert.equal(
      [...delivered.values()].reduce((a, b) => a + b, 0),
      total,
      'and nothing else',
    );

    // The shared robots: all their groups served, never a 21st in a window, never refused.
    for (let r = 0; r < SHARED_ROBOTS; r++) {
      const key = `shared-${r}`;
      assert.equal(about(key).length, PER_SHARED);
      assert.ok(robots.maxInWindow(key) <= 20, `${key}: ${robots.maxInWindow(key)} in a window`);
      assert.equal(robots.overLimit.get(key) ?? 0, 0, `${key}: our limiter kept under the robot’s`);
    }
    assert.ok(Date.now() - started >= WINDOW_MS - 200, 'the last ten waited for the next window');

    // Both workers sent: each signs its ack links with its own PUBLIC_BASE_URL.
    const all = [...new Set(route.values())].flatMap(about);
    const byWorker = workerBase.map((base) => all.filter((m) => m.content.includes(base)).length);
    assert.equal(byWorker[0] + byWorker[1], total);
    assert.ok(
      byWorker.every((n) => n > 0),
      `both workers took part: ${byWorker.join(' + ')}`,
    );
  });

  it('(c) reminders and expiries due while both workers start happen once each', async () => {
    const officer = await as(USERS.officer);
    const order = async (id: string) =>
      ok(await call(B, 'GET', `/api/v1/freeze-orders/${id}`, officer)) as {
        status: string;
        remindedAt: string | null;
        events: { action: string }[];
      };
    await eventually('every reminder and expiry done', async () => {
      for (const [i, id] of orders.entries()) {
        const o = await order(id);
        if (i < TO_REMIND ? !o.remindedAt : o.status !== 'expired') return false;
      }
      return true;
    });
    await settled();
    const notices = ok(await call(A, 'GET', '/api/v1/notifications?limit=200', officer)).items as {
      kind: string;
      entityId: string;
    }[];
    for (const [i, id] of orders.entries()) {
      const kind = i < TO_REMIND ? 'freeze_order.expiring' : 'freeze_order.expired';
      assert.equal(
        notices.filter((n) => n.entityId === id && n.kind.startsWith('freeze_order.exp')).length,
        1,
        `order ${i}: one ${kind} notice`,
      );
      assert.equal(
        notices.find((n) => n.entityId === id && n.kind.startsWith('freeze_order.exp'))?.kind,
        kind,
      );
      const actions = (await order(id)).events.map((e) => e.action);
      assert.deepEqual(
        actions,
        i < TO_REMIND ? ['request', 'answer', 'remind'] : ['request', 'answer', 'expire'],
      );
    }
    const { rows } = await db.query<{ action: string; n: number }>(
      `SELECT action, count(*)::int AS n FROM audit_events
       WHERE entity_id = ANY($1) AND action IN ('freeze_order.remind', 'freeze_order.expire')
       GROUP BY action ORDER BY action`,
      [orders],
    );
    assert.deepEqual(
      rows.map((r) => [r.action, r.n]),
      [
        ['freeze_order.expire', TO_EXPIRE],
        ['freeze_order.remind', TO_REMIND],
      ],
    );
  });
});
