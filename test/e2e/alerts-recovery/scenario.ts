import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { FakeWebhookReceiver, FakeWecom } from '../../fakes/wecom-robot.js';
import type { AlertsConfig } from '../../../src/common/config/config.js';
import { DEMO_PASSWORD, TestApp, USERS } from '../../harness.js';
import { testConfig } from '../../setup/test-config.js';

/**
 * What the two recovery files (worker-killed, store-restarted) share. "Exactly once" under
 * failure: a warning fanned out to a few hundred coordinators, and in the middle of sending (some sent, some being sent, most still queued) the worker process is
 * SIGKILLed and started again, or the queue store goes down and comes back. Each coordinator of
 * the target areas must still receive exactly one message, and no one outside them any.
 *
 * What these tests can and cannot prove. A send is claimed on its row (queued → sending) and
 * marked sent after the robot answered; the row, not the job, makes it once. The one gap no
 * sender can close against a WeCom robot (it takes no idempotency key): a process dying after the
 * robot accepted a message and before the row says sent leaves a claim that is taken over later and
 * sends again (see AlertsDeliverHandler). A SIGKILL landing in that window of a few milliseconds
 * would make a test flaky for a reason the code documents, so the kill test first lets the fake
 * robots stop answering (as robots slow to answer would), waits until every answered send is
 * recorded, and only then kills the worker: the sends in flight die with it unanswered (the fakes
 * drop them), their rows stay claimed by a dead process, and the queued rest waits in the store.
 */

const WORKER = join(import.meta.dirname, '..', '..', '..', 'src', 'worker.js');
/** Coordinators per channel inside the target areas (each its own robot or webhook path). */
export const PER_CHANNEL = 120;
export const OUTSIDE = 3;
/** Answer latency of the fakes, so the fan-out lasts long enough to be interrupted. */
export const LATENCY_MS = 40;
export const HOOK_SECRET = 'recovery-webhook-secret-0123456789';

export type H = Record<string, string>;
export type Route = { kind: 'robot'; key: string } | { kind: 'hook'; path: string };

export interface DeliveryItem {
  id: string;
  kind: 'warning' | 'withdrawal';
  coordinatorId: string;
  status: string;
  attempts: number;
  lastError: string | null;
}
export interface Deliveries {
  counts: Record<string, number>;
  items: DeliveryItem[];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The fakes, the users and the coordinators one scenario needs, on its own app. */
export class Scenario {
  readonly robots = new FakeWecom(20, 60_000);
  readonly secrets = new Map<string, string>();
  readonly hooks = new FakeWebhookReceiver(this.secrets);
  readonly route = new Map<string, Route>();
  readonly inside: string[] = [];
  readonly outside: string[] = [];
  readonly unit: Record<string, string> = {};
  chen: H = {};
  boss: H = {};
  private app?: TestApp;

  get t(): TestApp {
    if (!this.app) throw new Error('Scenario.start(t) first');
    return this.app;
  }

  async auth(username: string): Promise<H> {
    return { authorization: `Bearer ${await this.t.token(username)}` };
  }

  /** The fakes start before the app, which is booted with `alerts(...)` (the robots' WeCom base). */
  async startFakes(): Promise<void> {
    await this.robots.start();
    await this.hooks.start();
  }

  alerts(overrides: Partial<AlertsConfig> = {}): AlertsConfig {
    return { ...testConfig().alerts, wecomApiBase: this.robots.base, ...overrides };
  }

  /** Users and coordinators on the booted app. */
  async start(t: TestApp): Promise<void> {
    this.app = t;
    for (const code of ['GY', 'GY-YY-QL', 'GY-YY-QL-DS', 'GY-YY-QL-QLDL', 'GY-NM-HX-XH']) {
      const [row] = (await t.db.query('SELECT id FROM units WHERE code = $1', [code])) as {
        id: string;
      }[];
      this.unit[code] = row.id;
    }
    // A city-wide supervisor approves (four-eyes) and manages the groups outside chen's area.
    await t
      .http()
      .post('/api/v1/users')
      .set(await this.auth(USERS.admin))
      .send({
        username: 'sun.supervisor',
        displayName: '孙局',
        password: DEMO_PASSWORD,
        role: 'supervisor',
        unitId: this.unit.GY,
      })
      .expect(201);
    this.chen = await this.auth(USERS.community);
    this.boss = await this.auth('sun.supervisor');

    const specs: { by: H; community: string; route: Route; inside: boolean }[] = [];
    for (let i = 0; i < PER_CHANNEL; i++) {
      const community = i % 2 ? this.unit['GY-YY-QL-DS'] : this.unit['GY-YY-QL-QLDL'];
      specs.push({
        by: this.chen,
        community,
        route: { kind: 'robot', key: `robot-in-${i}` },
        inside: true,
      });
      specs.push({
        by: this.chen,
        community,
        route: { kind: 'hook', path: `h${i}` },
        inside: true,
      });
    }
    for (let i = 0; i < OUTSIDE; i++) {
      const community = this.unit['GY-NM-HX-XH'];
      specs.push({
        by: this.boss,
        community,
        route: { kind: 'robot', key: `robot-out-${i}` },
        inside: false,
      });
      specs.push({
        by: this.boss,
        community,
        route: { kind: 'hook', path: `y${i}` },
        inside: false,
      });
    }
    for (let i = 0; i < specs.length; i += 16) {
      await Promise.all(
        specs.slice(i, i + 16).map(async (s, j) => {
          const n = i + j;
          const channel =
            s.route.kind === 'robot'
              ? { channel: 'wecom_bot', webhookUrl: this.robots.url(s.route.key) }
              : {
                  channel: 'webhook',
                  webhookUrl: this.hooks.url(s.route.path),
                  webhookSecret: HOOK_SECRET,
                };
          if (s.route.kind === 'hook') this.secrets.set(s.route.path, HOOK_SECRET);
          const res = await t
            .http()
            .post('/api/v1/coordinators')
            .set(s.by)
            .send({
              name: `协调员${n}`,
              phone: `139${String(n).padStart(8, '0')}`,
              communityId: s.community,
              groupName: `反诈宣传${n}群`,
              groupSize: 200,
              ...channel,
            });
          assert.equal(res.status, 201, JSON.stringify(res.body));
          const id = res.body.id as string;
          this.route.set(id, s.route);
          (s.inside ? this.inside : this.outside).push(id);
        }),
      );
    }
  }

  async stop(): Promise<void> {
    this.robots.gate.release();
    this.hooks.gate.release();
    await this.robots.stop();
    await this.hooks.stop();
  }

  /** A warning for 黔灵派出所 (both its communities), approved; not yet published. */
  async approvedWarning(title: string): Promise<string> {
    const res = await this.t
      .http()
      .post('/api/v1/warnings')
      .set(this.chen)
      .send({
        title,
        body: '近期辖区多发冒充客服退款诈骗，请提醒群成员。',
        fraudType: 'fake_customer_service',
        severity: 'severe',
        targetUnitIds: [this.unit['GY-YY-QL']],
      });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const id = res.body.id as string;
    await this.t.http().post(`/api/v1/warnings/${id}/approve`).set(this.boss).expect(200);
    return id;
  }

  async publish(id: string): Promise<void> {
    const res = await this.t.http().post(`/api/v1/warnings/${id}/publish`).set(this.chen).send({});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'published');
  }

  async deliveries(id: string): Promise<Deliveries> {
    const res = await this.t.http().get(`/api/v1/warnings/${id}/deliveries`).set(this.chen);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as Deliveries;
  }

  /** What one coordinator's robot or webhook received about the warning. */
  received(coordinatorId: string, title: string): string[] {
    const r = this.route.get(coordinatorId);
    if (!r) return [];
    if (r.kind === 'robot')
      return this.robots
        .messages(r.key)
        .filter((m) => m.content.includes(title))
        .map((m) => /deliveries\/([0-9a-f-]{36})\?token=/.exec(m.content)?.[1] ?? '?');
    return (this.hooks.received.get(r.path) ?? [])
      .filter((m) => m.body.title === title)
      .map((m) =>
        m.delivery.startsWith(`${String(m.body.deliveryId)}:`) ? m.body.deliveryId : '?',
      )
      .map(String);
  }

  /** Messages about the warning the fakes accepted, all coordinators together. */
  acceptedCount(title: string): number {
    return [...this.route.keys()].reduce((n, id) => n + this.received(id, title).length, 0);
  }

  /** Exactly one message per coordinator inside, carrying its own delivery; none outside. */
  async assertExactlyOnce(id: string, title: string): Promise<void> {
    const d = await this.deliveries(id);
    const total = this.inside.length;
    assert.equal(d.counts.sent, total, JSON.stringify(d.counts));
    const byCoordinator = new Map(
      d.items.filter((i) => i.kind === 'warning').map((i) => [i.coordinatorId, i]),
    );
    assert.equal(byCoordinator.size, total, 'one delivery row per coordinator');
    const wrong: string[] = [];
    for (const c of this.inside) {
      const got = this.received(c, title);
      const row = byCoordinator.get(c);
      if (got.length !== 1 || got[0] !== row?.id)
        wrong.push(`${JSON.stringify(this.route.get(c))}: ${got.length} message(s) ${got}`);
    }
    assert.deepEqual(wrong, [], 'each coordinator inside received exactly its one message');
    for (const c of this.outside) {
      assert.ok(!byCoordinator.has(c), 'no delivery outside the target area');
      assert.deepEqual(this.received(c, title), [], 'nothing reached a group outside');
    }
    assert.equal(this.hooks.rejected, 0, 'every webhook body was signed correctly');
    assert.equal(this.acceptedCount(title), total);
  }
}

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
}

/** `node dist/src/worker.js` on the test's database and queue store, with short recovery timings. */
export async function startWorker(t: TestApp): Promise<WorkerProcess> {
  let output = '';
  const child = spawn(process.execPath, [WORKER], {
    env: {
      ...process.env,
      DATABASE_URL: t.databaseUrl,
      REDIS_URL: t.config.redisUrl ?? '',
      QUEUE_PREFIX: t.config.queuePrefix,
      JWT_SECRET: t.config.jwtSecret,
      PII_KEY: t.config.piiKey.toString('base64'),
      PII_KEY_ID: t.config.piiKeyId,
      AUDIT_KEY: t.config.auditKey.toString('base64'),
      AUDIT_ANCHOR_FILE: t.config.auditAnchor.file,
      PUBLIC_BASE_URL: t.config.alerts.publicBaseUrl,
      WECOM_API_BASE: t.config.alerts.wecomApiBase,
      WEBHOOK_ALLOWED_HOSTS: t.config.alerts.webhookAllowedHosts.join(','),
      ALERTS_STALE_CLAIM_MS: '2000',
      // A claim here goes stale after 2 s (so the dead worker's rows come back fast); with the
      // production default of 256 rows in flight, a loaded machine can take longer than that from
      // claim to mark, and a live worker's row is then claimed again. 32 in flight keeps claim to
      // mark well inside 2 s, as 120 s does for 256 in production.
      ALERTS_SENDS_IN_FLIGHT: '32',
      JOB_LOCK_MS: '3000',
      ALERTS_SWEEP_INTERVAL_MS: '500',
      ALERTS_SWEEP_GRACE_MS: '1000',
      TREND_SCAN_INTERVAL_MS: '0',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 30_000;
  while (!/Workers running on/.test(output)) {
    assert.ok(child.exitCode === null, `worker exited:\n${output}`);
    assert.ok(Date.now() < deadline, `worker did not start:\n${output}`);
    await sleep(50);
  }
  return { child, output: () => output };
}

export async function stopWorker(
  w: WorkerProcess | undefined,
  signal: NodeJS.Signals,
): Promise<void> {
  if (!w || w.child.exitCode !== null || w.child.signalCode !== null) return;
  const exited = new Promise((r) => w.child.once('exit', r));
  w.child.kill(signal);
  await exited;
}

/**
 * The app's database refuses connections for `downMs` and every connection to it is cut, again and
 * again: to the app (API pool, outbox LISTEN, BullMQ's PostgreSQL pool and LISTEN) a PostgreSQL
 * restart. The shared test server itself cannot restart under the other test files; the queue
 * store is this same database (no separate queue database exists), so this is its outage.
 */
export async function databaseOutage(t: TestApp, downMs: number): Promise<number> {
  const adminUrl = process.env.JW_TEST_ADMIN_URL ?? '';
  const name = new URL(t.databaseUrl).pathname.slice(1);
  assert.match(name, /^jw_t_\w+$/);
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  let cut = 0;
  try {
    await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
    for (const until = Date.now() + downMs; Date.now() < until;) {
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1`,
        [name],
      );
      cut += rows[0].n;
      await sleep(100);
    }
  } finally {
    await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
    await admin.end();
  }
  return cut;
}
