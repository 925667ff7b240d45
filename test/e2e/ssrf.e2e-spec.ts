import assert from 'node:assert/strict';
import { createServer, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { AlertsSecrets } from '../../src/alerts/index.js';
import { FakeWebhookReceiver, FakeWecom } from '../fakes/wecom-robot.js';
import { bootApp, eventually, TestApp, USERS } from '../harness.js';
import { testConfig } from '../setup/test-config.js';

type H = Record<string, string>;

interface DeliveryItem {
  coordinatorId: string;
  status: string;
  lastError: string | null;
}

/** A local HTTP server that counts every connection made to it: a service inside the network. */
class CountingServer {
  connections = 0;
  requests = 0;
  port = 0;
  private server?: Server;

  constructor(private readonly answer: (res: ServerResponse) => void) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.requests++;
      req.resume();
      req.on('end', () => this.answer(res));
    });
    server.on('connection', () => this.connections++);
    this.server = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** A port on this machine where nothing listens (taken, then given back). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const KEY = 'ssrf-robot-0001';
const SECRET = 'ssrf-webhook-secret-0123456789';
/** A title with a right-to-left override: the number reads reversed where it is shown. */
const TITLE = '警惕冒充客服\u202E0110 69\u202C诈骗';
const TITLE_CLEAN = '警惕冒充客服0110 69诈骗';

describe('alert deliveries call out only where they may', () => {
  let t: TestApp;
  let chen: H;
  let unitId = '';
  const robots = new FakeWecom();
  const hooks = new FakeWebhookReceiver(new Map([['hooks/ok', SECRET]]));
  /** The internal service a hostile URL aims at: it must never see a connection. */
  const internal = new CountingServer((res) => res.writeHead(204).end());
  /** An allowed webhook that answers with a redirect to the internal service. */
  const redirector = new CountingServer((res) =>
    res.writeHead(302, { location: `http://127.0.0.1:${internal.port}/` }).end(),
  );
  let deadPort = 0;
  const coordinatorIds: Record<string, string> = {};
  let hookCoordinatorId = '';

  const post = (body: Record<string, unknown>) =>
    t.http().post('/api/v1/coordinators').set(chen).send(body);

  let n = 0;
  const coordinator = (
    channel: string,
    webhookUrl: string,
    extra: Record<string, unknown> = {},
  ) => ({
    name: `协调员${++n}`,
    phone: `1370000${String(1000 + n)}`,
    communityId: unitId,
    groupName: `反诈宣传${n}群`,
    channel,
    webhookUrl,
    ...(channel === 'webhook' ? { webhookSecret: SECRET } : {}),
    ...extra,
  });

  async function create(name: string, channel: string, url: string): Promise<string> {
    const res = await post(coordinator(channel, url));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    coordinatorIds[name] = res.body.id as string;
    return res.body.id as string;
  }

  /** A URL stored as a coordinator's channel behind the API's back (an old row, DNS that changed). */
  async function storeUrl(id: string, url: string): Promise<void> {
    const enc = t.app.get(AlertsSecrets).cipher.encrypt(url);
    await t.db.query('UPDATE coordinators SET webhook_url_enc = $2 WHERE id = $1', [id, enc]);
  }

  const coordinatorCount = async () =>
    ((await t.db.query('SELECT count(*)::int AS n FROM coordinators')) as { n: number }[])[0].n;

  beforeAll(async () => {
    await robots.start();
    await hooks.start();
    await internal.start();
    await redirector.start();
    deadPort = await closedPort();
    t = await bootApp('postgres', {
      alerts: {
        ...testConfig().alerts,
        wecomApiBase: robots.base,
        // Only these fakes are allow-listed: 127.0.0.1 on any other port is off limits.
        webhookAllowedHosts: [
          `127.0.0.1:${hooks.port}`,
          `127.0.0.1:${redirector.port}`,
          `127.0.0.1:${deadPort}`,
        ],
      },
    });
    chen = { authorization: `Bearer ${await t.token(USERS.community)}` };
    const [row] = (await t.db.query(`SELECT id FROM units WHERE code = 'GY-YY-QL-DS'`)) as {
      id: string;
    }[];
    unitId = row.id;
    hookCoordinatorId = await create('hook', 'webhook', hooks.url('hooks/ok'));
  });

  afterAll(async () => {
    await t?.close();
    await robots.stop();
    await hooks.stop();
    await internal.stop();
    await redirector.stop();
  });

  const hostile = () => [
    `http://127.0.0.1:${internal.port}/`,
    `http://localhost:${internal.port}/`,
    `http://[::1]:${internal.port}/`,
    `http://0x7f000001:${internal.port}/`,
    `http://2130706433:${internal.port}/`,
    `http://127.1:${internal.port}/`,
    `http://[::ffff:127.0.0.1]:${internal.port}/`,
    'http://0.0.0.0/',
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.1:5432/',
    'http://10.0.0.7/hook',
    `http://user:pass@127.0.0.1:${hooks.port}/hooks/ok`,
    'http://user:pass@hooks.example.com/',
  ];

  it('a webhook URL aimed inside the network is a 400 on webhookUrl, saying why, and nothing is stored', async () => {
    const before = await coordinatorCount();
    for (const url of hostile()) {
      const res = await post(coordinator('webhook', url));
      assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.details[0].field, 'webhookUrl', url);
      assert.match(
        res.body.details[0].problem,
        /must not point to a (loopback|unspecified|link-local|private) address|resolves to an address that is not allowed|user name or password/,
        url,
      );
    }
    const loop = await post(coordinator('webhook', `http://127.0.0.1:${internal.port}/`));
    assert.equal(loop.body.details[0].problem, 'must not point to a loopback address');
    const meta = await post(coordinator('webhook', 'http://169.254.169.254/latest/meta-data/'));
    assert.equal(meta.body.details[0].problem, 'must not point to a link-local address');
    assert.equal(await coordinatorCount(), before);
    assert.equal(internal.connections, 0);
  });

  it('the same URLs are refused as robot URLs, and on PATCH, which leaves the coordinator as it was', async () => {
    const before = (
      await t.http().get(`/api/v1/coordinators/${hookCoordinatorId}`).set(chen).expect(200)
    ).body as { webhookUrl: string };
    for (const url of hostile()) {
      const robot = await post(coordinator('wecom_bot', `${url}?key=${KEY}`));
      assert.equal(robot.status, 400, url);
      assert.equal(robot.body.details[0].field, 'webhookUrl');
      const patch = await t
        .http()
        .patch(`/api/v1/coordinators/${hookCoordinatorId}`)
        .set(chen)
        .send({ webhookUrl: url });
      assert.equal(patch.status, 400, `${url}: ${JSON.stringify(patch.body)}`);
      assert.equal(patch.body.details[0].field, 'webhookUrl');
    }
    const after = (
      await t.http().get(`/api/v1/coordinators/${hookCoordinatorId}`).set(chen).expect(200)
    ).body as { webhookUrl: string };
    assert.equal(after.webhookUrl, before.webhookUrl);
  });

  it('a robot URL must be the configured WeCom base with only its key', async () => {
    for (const url of [
      `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`, // not the configured base
      `http://127.0.0.1:${robots.port}/cgi-bin/webhook/sendx?key=${KEY}`,
      `http://localhost:${robots.port}/cgi-bin/webhook/send?key=${KEY}`,
      `${robots.base}?key=${KEY}&redirect=http://127.0.0.1:${internal.port}/`,
      `${robots.base}`,
    ]) {
      const res = await post(coordinator('wecom_bot', url));
      assert.equal(res.status, 400, url);
      assert.equal(res.body.details[0].field, 'webhookUrl');
      assert.match(res.body.details[0].problem, /must be a WeCom robot URL: http:\/\/127\.0\.0\.1/);
    }
    assert.equal((await post(coordinator('wecom_bot', robots.url(KEY)))).status, 201);
  });

  describe('at send time', () => {
    let warningId = '';
    let items: DeliveryItem[] = [];
    const item = (name: string) => items.find((i) => i.coordinatorId === coordinatorIds[name]);

    beforeAll(async () => {
      coordinatorIds.hook = hookCoordinatorId;
      await create('robot', 'wecom_bot', robots.url('ssrf-robot-good'));
      // Rows that passed registration once and point inside now (stored before these rules, or a
      // name whose DNS answer changed): `localhost` is a name that resolves to loopback.
      const rebound = await create('rebound', 'webhook', hooks.url('hooks/ok'));
      await storeUrl(rebound, `http://localhost:${internal.port}/hook`);
      const literal = await create('literal', 'webhook', hooks.url('hooks/ok'));
      await storeUrl(literal, `http://127.0.0.1:${internal.port}/hook`);
      const offBase = await create('offBase', 'wecom_bot', robots.url('ssrf-robot-off'));
      await storeUrl(offBase, `http://127.0.0.1:${internal.port}/cgi-bin/webhook/send?key=${KEY}`);
      await create('redirect', 'webhook', `http://127.0.0.1:${redirector.port}/hook`);
      await create('dead', 'webhook', `http://127.0.0.1:${deadPort}/hook`);

      const supervisor = { authorization: `Bearer ${await t.token(USERS.supervisorYunyan)}` };
      const w = await t
        .http()
        .post('/api/v1/warnings')
        .set(chen)
        .send({
          title: TITLE,
          body: '近期辖区多发冒充客服诈骗\u2067，请提醒群成员\u2069。',
          fraudType: 'fake_customer_service',
          severity: 'severe',
          targetUnitIds: [unitId],
        });
      assert.equal(w.status, 201, JSON.stringify(w.body));
      warningId = w.body.id as string;
      await t.http().post(`/api/v1/warnings/${warningId}/approve`).set(supervisor).expect(200);
      await t.http().post(`/api/v1/warnings/${warningId}/publish`).set(chen).send({}).expect(200);
      items = await eventually('every delivery settled', async () => {
        const res = await t.http().get(`/api/v1/warnings/${warningId}/deliveries`).set(chen);
        const mine = new Set(Object.values(coordinatorIds));
        const list = (res.body.items as DeliveryItem[]).filter((i) => mine.has(i.coordinatorId));
        return list.length === mine.size &&
          list.every((i) => i.status === 'sent' || i.status === 'failed')
          ? list
          : undefined;
      });
    });

    it('a name that resolves to loopback is never connected to; the user reads only the category', async () => {
      assert.equal(item('rebound')?.status, 'failed');
      assert.equal(item('rebound')?.lastError, 'refused: address not allowed');
      assert.equal(item('literal')?.lastError, 'refused: address not allowed');
      assert.equal(item('offBase')?.lastError, 'refused: url not allowed');
      const c = await t
        .http()
        .get(`/api/v1/coordinators/${coordinatorIds.rebound}`)
        .set(chen)
        .expect(200);
      assert.equal(c.body.channelBrokenReason, 'refused: address not allowed');
      assert.equal(internal.connections, 0, 'the internal service saw no connection');
    });

    it('a redirect is not followed: the delivery fails with its status', async () => {
      assert.ok(redirector.requests >= 1);
      assert.equal(item('redirect')?.status, 'failed');
      assert.equal(item('redirect')?.lastError, 'http 302');
      assert.equal(internal.connections, 0, 'the redirect target saw no connection');
    });

    it('a refused connection reads "network error", never the address or the socket error', async () => {
      assert.equal(item('dead')?.status, 'failed');
      assert.equal(item('dead')?.lastError, 'network error');
      const page = JSON.stringify(items);
      assert.ok(!/ECONNREFUSED|socket hang up|127\.0\.0\.1|localhost/.test(page), page);
    });

    it('allowed channels still receive the warning, without bidirectional controls', async () => {
      assert.equal(item('robot')?.status, 'sent');
      assert.equal(item('hook')?.status, 'sent');
      const [message] = robots.messages('ssrf-robot-good');
      assert.ok(message.content.includes(TITLE_CLEAN), message.content);
      assert.ok(message.content.includes('近期辖区多发冒充客服诈骗，请提醒群成员。'));
      assert.ok(!/[\u202A-\u202E\u2066-\u2069]/.test(message.content));
      const [hook] = hooks.received.get('hooks/ok') ?? [];
      assert.equal(hook.body.title, TITLE_CLEAN);
      assert.ok(!/[\u202A-\u202E\u2066-\u2069]/.test(String(hook.body.markdown)));
    });

    it('the CAP export carries the title without bidirectional controls', async () => {
      const res = await t.http().get(`/api/v1/warnings/${warningId}/cap`).set(chen).expect(200);
      const xml = String(res.text);
      assert.ok(xml.includes(`<headline>${TITLE_CLEAN}</headline>`), xml);
      assert.ok(!/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/.test(xml));
    });
  });
});
