import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, it } from '@jest/globals';
import { QueueService } from '../../src/common/queue/queue.service.js';
import { FakeWebhookReceiver, FakeWecom } from '../fakes/wecom-robot.js';
import {
  bootApp,
  DEMO_PASSWORD,
  describeEachBackend,
  eventually,
  TestApp,
  USERS,
} from '../harness.js';
import { testConfig } from '../setup/test-config.js';

/**
 * Test-only robot window: WeCom allows 20 messages per robot per 60 s; the app's limiter and the
 * fake robot are given 20 per 3 s here (ours 4 s) so a test can cross windows without waiting
 * minutes. The fake's window is 1 s shorter than ours, as production keeps 20 per 61 s against
 * WeCom's 60 s: the margin for the time between our reservation and the robot seeing the request,
 * which on a loaded machine reaches a few hundred milliseconds.
 */
const WINDOW_MS = 4000;
/** The OASIS schema, carried in the repository (this file runs from dist-test/test/e2e). */
const CAP_XSD = resolve(import.meta.dirname, '../../../docs/reference/CAP-v1.2.xsd');

type H = Record<string, string>;

interface DeliveryItem {
  id: string;
  kind: 'warning' | 'withdrawal';
  coordinatorId: string;
  status: string;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  acknowledgedAt: string | null;
}

function xmllintOnPath(): boolean {
  return spawnSync('xmllint', ['--version']).status === 0;
}

describeEachBackend('alerts: warnings reach each coordinator of their areas once', (backend) => {
  let t: TestApp;
  const robots = new FakeWecom(20, WINDOW_MS - 1000);
  const hookSecrets = new Map<string, string>([['hooks/qldl', 'webhook-secret-0123456789abcdef']]);
  const hooks = new FakeWebhookReceiver(hookSecrets);
  let chen: H;
  let boss: H;
  const unit: Record<string, string> = {};
  /** coordinator id → the robot key it posts to (or 'webhook' / 'manual'). */
  const route = new Map<string, string>();
  const inside: string[] = [];
  const outside: string[] = [];
  let disabledId = '';
  let brokenId = '';
  let manualId = '';

  const auth = async (username: string): Promise<H> => ({
    authorization: `Bearer ${await t.token(username)}`,
  });

  async function coordinator(by: H, body: Record<string, unknown>): Promise<string> {
    const res = await t.http().post('/api/v1/coordinators').set(by).send(body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  }

  async function warning(by: H, body: Record<string, unknown>): Promise<string> {
    const res = await t
      .http()
      .post('/api/v1/warnings')
      .set(by)
      .send({
        fraudType: 'fake_customer_service',
        severity: 'severe',
        body: '近期辖区多发冒充客服诈骗。',
        ...body,
      });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  }

  async function approveAndPublish(id: string, publish: Record<string, unknown> = {}) {
    await t.http().post(`/api/v1/warnings/${id}/approve`).set(boss).expect(200);
    const res = await t.http().post(`/api/v1/warnings/${id}/publish`).set(chen).send(publish);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { status: string };
  }

  async function deliveries(
    id: string,
  ): Promise<{ counts: Record<string, number>; items: DeliveryItem[] }> {
    const res = await t.http().get(`/api/v1/warnings/${id}/deliveries`).set(chen).expect(200);
    return res.body as { counts: Record<string, number>; items: DeliveryItem[] };
  }

  /** Robot messages that carry one warning (by its title). */
  const robotMessagesAbout = (key: string, title: string) =>
    robots.messages(key).filter((m) => m.content.includes(title));

  beforeAll(async () => {
    await robots.start();
    await hooks.start();
    t = await bootApp(backend, {
      alerts: {
        ...testConfig().alerts,
        robotRateLimit: { max: 20, windowMs: WINDOW_MS },
        wecomApiBase: robots.base,
      },
    });
    for (const code of ['GY', 'GY-YY-QL', 'GY-YY-QL-DS', 'GY-YY-QL-QLDL', 'GY-NM-HX-XH']) {
      const [row] = (await t.db.query('SELECT id FROM units WHERE code = $1', [code])) as {
        id: string;
      }[];
      unit[code] = row.id;
    }
    // A city-wide supervisor (领导) who approves, and manages the group outside chen's area.
    const admin = await auth(USERS.admin);
    await t
      .http()
      .post('/api/v1/users')
      .set(admin)
      .send({
        username: 'sun.supervisor',
        displayName: '孙局',
        password: DEMO_PASSWORD,
        role: 'supervisor',
        unitId: unit.GY,
      })
      .expect(201);
    chen = await auth(USERS.community);
    boss = await auth('sun.supervisor');

    const ds = unit['GY-YY-QL-DS'];
    const qldl = unit['GY-YY-QL-QLDL'];
    for (let i = 0; i < 5; i++) {
      const key = `ds-robot-${i}-${backend}`;
      const id = await coordinator(chen, {
        name: `东山协调员${i}`,
        phone: `1380000${String(1000 + i)}`,
        communityId: ds,
        groupName: `东山社区${i}号楼群`,
        groupSize: 100 + i,
        channel: 'wecom_bot',
        webhookUrl: robots.url(key),
      });
      route.set(id, key);
      inside.push(id);
    }
    // 25 groups behind one busy robot: more than its 20 a window.
    for (let i = 0; i < 25; i++) {
      const id = await coordinator(chen, {
        name: `黔灵东路协调员${i}`,
        phone: `1390000${String(1000 + i)}`,
        communityId: qldl,
        groupName: `黔灵东路${i}组`,
        channel: 'wecom_bot',
        webhookUrl: robots.url(`busy-${backend}`),
      });
      route.set(id, `busy-${backend}`);
      inside.push(id);
    }
    const hookId = await coordinator(chen, {
      name: '物业公司财务群管理员',
      phone: '13700001111',
      communityId: qldl,
      groupName: '黔灵东路企业财务人员群',
      channel: 'webhook',
      webhookUrl: hooks.url('hooks/qldl'),
      webhookSecret: hookSecrets.get('hooks/qldl'),
    });
    route.set(hookId, 'webhook');
    inside.push(hookId);
    manualId = await coordinator(chen, {
      name: '王阿姨',
      phone: '13700002222',
      communityId: ds,
      groupName: '东山社区老年人群',
      channel: 'manual',
    });
    disabledId = await coordinator(chen, {
      name: '已离任协调员',
      phone: '13700003333',
      communityId: ds,
      groupName: '东山社区旧群',
      channel: 'wecom_bot',
      webhookUrl: robots.url(`disabled-${backend}`),
    });
    await t
      .http()
      .patch(`/api/v1/coordinators/${disabledId}`)
      .set(chen)
      .send({ enabled: false })
      .expect(200);
    robots.set(`gone-${backend}`, { kind: 'invalid' });
    brokenId = await coordinator(chen, {
      name: '机器人已删除',
      phone: '13700004444',
      communityId: qldl,
      groupName: '黔灵东路旧机器人群',
      channel: 'wecom_bot',
      webhookUrl: robots.url(`gone-${backend}`),
    });
    outside.push(
      await coordinator(boss, {
        name: '新华社区协调员',
        phone: '13700005555',
        communityId: unit['GY-NM-HX-XH'],
        groupName: '新华社区反诈宣传群',
        channel: 'wecom_bot',
        webhookUrl: robots.url(`xinhua-${backend}`),
      }),
    );
  });

  afterAll(async () => {
    await t?.close();
    await robots.stop();
    await hooks.stop();
  });

  it('robot keys and webhook secrets are never returned; community police see only their area', async () => {
    const res = await t.http().get('/api/v1/coordinators?limit=200').set(chen).expect(200);
    const body = JSON.stringify(res.body);
    assert.ok(!body.includes('ds-robot-0'), 'no robot key in the list');
    assert.ok(!body.includes('webhook-secret'), 'no webhook secret in the list');
    const robot = (res.body.items as { id: string; webhookUrl: string; hasSecret: boolean }[]).find(
      (c) => c.id === inside[0],
    );
    assert.match(robot?.webhookUrl ?? '', /key=\*\*\*\*/);
    const ids = (res.body.items as { id: string }[]).map((c) => c.id);
    assert.ok(!ids.includes(outside[0]), 'the 新华 group is outside 黔灵派出所');
    await t.http().get(`/api/v1/coordinators/${outside[0]}`).set(chen).expect(404);
    const bad = await t.http().post('/api/v1/coordinators').set(chen).send({
      name: 'x',
      phone: '13700009999',
      communityId: unit['GY-NM-HX-XH'],
      groupName: 'x',
      channel: 'manual',
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.details[0].field, 'communityId');
    const noKey = await t.http().post('/api/v1/coordinators').set(chen).send({
      name: 'x',
      phone: '13700009999',
      communityId: unit['GY-YY-QL-DS'],
      groupName: 'y',
      channel: 'wecom_bot',
      webhookUrl: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send',
    });
    assert.equal(noKey.status, 400);
    assert.equal(noKey.body.details[0].field, 'webhookUrl');
  });

  it('approval is four-eyes and illegal steps are 409', async () => {
    const id = await warning(chen, { title: '四眼原则测试', targetUnitIds: [unit['GY-YY-QL-DS']] });
    await t.http().post(`/api/v1/warnings/${id}/publish`).set(chen).send({}).expect(409);
    await t.http().post(`/api/v1/warnings/${id}/approve`).set(chen).expect(403);
    await t.http().post(`/api/v1/warnings/${id}/withdraw`).set(chen).send({}).expect(409);
    const own = await warning(boss, {
      title: '领导自己起草',
      targetUnitIds: [unit['GY-YY-QL-DS']],
    });
    const self = await t.http().post(`/api/v1/warnings/${own}/approve`).set(boss);
    assert.equal(self.status, 409);
    assert.match(self.body.message, /four-eyes/);
    await t.http().post(`/api/v1/warnings/${id}/approve`).set(boss).expect(200);
    await t.http().post(`/api/v1/warnings/${id}/approve`).set(boss).expect(409);
    await t
      .http()
      .post(`/api/v1/warnings/${id}/withdraw`)
      .set(chen)
      .send({ reason: '测试' })
      .expect(200);
    await t.http().post(`/api/v1/warnings/${id}/publish`).set(chen).send({}).expect(409);
    const outsideTarget = await t
      .http()
      .post('/api/v1/warnings')
      .set(chen)
      .send({
        title: 'x',
        body: 'x',
        fraudType: 'fake_loan',
        severity: 'minor',
        targetUnitIds: [unit['GY-NM-HX-XH']],
      });
    assert.equal(outsideTarget.status, 400);
    assert.equal(outsideTarget.body.details[0].field, 'targetUnitIds');
  });

  it('publishing to a station reaches every coordinator under it exactly once, and no one outside', async () => {
    const title = `警惕冒充客服退款诈骗-${backend}`;
    const id = await warning(chen, { title, targetUnitIds: [unit['GY-YY-QL']] });
    const started = Date.now();
    assert.equal((await approveAndPublish(id)).status, 'published');
    await t.drain(60_000);

    const d = await deliveries(id);
    const warningRows = d.items.filter((i) => i.kind === 'warning');
    const byCoordinator = new Map(warningRows.map((i) => [i.coordinatorId, i]));
    assert.equal(byCoordinator.size, warningRows.length, 'one row per coordinator');
    for (const c of inside)
      assert.equal(byCoordinator.get(c)?.status, 'sent', `coordinator ${route.get(c)}`);
    assert.ok(!byCoordinator.has(disabledId), 'a disabled coordinator gets nothing');
    for (const c of outside) assert.ok(!byCoordinator.has(c), 'no one outside the target area');
    assert.equal(byCoordinator.get(manualId)?.status, 'queued', 'manual: waits to be pulled');
    assert.equal(byCoordinator.get(brokenId)?.status, 'failed');
    assert.match(byCoordinator.get(brokenId)?.lastError ?? '', /93000/);
    assert.deepEqual(d.counts, {
      queued: 1,
      sending: 0,
      sent: 31,
      failed: 1,
      acknowledged: 0,
      cancelled: 0,
    });

    // What the robots saw: one message for each own robot, 25 distinct ones on the busy robot.
    for (let i = 0; i < 5; i++)
      assert.equal(robotMessagesAbout(`ds-robot-${i}-${backend}`, title).length, 1);
    const busy = robotMessagesAbout(`busy-${backend}`, title);
    assert.equal(busy.length, 25);
    const ackIds = new Set(
      busy.map((m) => /deliveries\/([0-9a-f-]{36})\?token=/.exec(m.content)?.[1]),
    );
    assert.equal(ackIds.size, 25, 'each busy-robot message is a different coordinator’s delivery');
    assert.equal(robots.messages(`xinhua-${backend}`).length, 0);
    assert.equal(robots.messages(`disabled-${backend}`).length, 0);
    // The limit: the robot (20 per its window) never had to refuse one, so it never saw a 21st.
    assert.ok(robots.maxInWindow(`busy-${backend}`) <= 20);
    assert.equal(
      robots.overLimit.get(`busy-${backend}`) ?? 0,
      0,
      'our limiter kept under the robot’s',
    );
    assert.ok(Date.now() - started >= WINDOW_MS - 200, 'the last 5 waited for the next window');
    const busyRows = warningRows.filter((r) => route.get(r.coordinatorId) === `busy-${backend}`);
    assert.ok(
      busyRows.every((r) => r.attempts === 1),
      'waiting for budget is not a failed attempt',
    );

    // The message itself.
    const md = robotMessagesAbout(`ds-robot-0-${backend}`, title)[0].content;
    assert.match(md, /不轻信、不透露、不转账、及时报案 96110/);
    assert.match(md, /典型话术/);
    assert.ok(Buffer.byteLength(md) <= 4096);

    // The signed webhook: one message, signature checked by the receiver.
    assert.equal(hooks.rejected, 0);
    const hookMsgs = (hooks.received.get('hooks/qldl') ?? []).filter((m) => m.body.title === title);
    assert.equal(hookMsgs.length, 1);

    // The broken robot's coordinator is flagged.
    const broken = await t.http().get(`/api/v1/coordinators/${brokenId}`).set(chen).expect(200);
    assert.ok(broken.body.channelBrokenAt);

    // Manual: pulled once, then nothing is pending.
    const pulled = await t
      .http()
      .post(`/api/v1/coordinators/${manualId}/pending-messages`)
      .set(chen)
      .expect(201);
    assert.equal(pulled.body.length, 1);
    assert.match(pulled.body[0].markdown as string, /96110/);
    const again = await t
      .http()
      .post(`/api/v1/coordinators/${manualId}/pending-messages`)
      .set(chen)
      .expect(201);
    assert.equal(again.body.length, 0);

    // A replayed deliver job (its id forgotten by the queue) sends nothing twice.
    const first = busyRows[0];
    await t.app.get(QueueService).enqueue({
      name: 'alerts-deliver',
      payload: { deliveryId: first.id },
      jobId: `replay-${first.id}`,
    });
    await t.drain(30_000);
    assert.equal(robotMessagesAbout(`busy-${backend}`, title).length, 25);

    // Acknowledged by the button of the link's page (a form post of the token); a forged token is
    // refused; opening a link (the old /ack link too) never acknowledges: link previews fetch them.
    const link = /\[已收到，点此确认\]\((http[^)]+)\)/.exec(md)?.[1] ?? '';
    const deliveryId = /\/m\/deliveries\/([0-9a-f-]{36})\?/.exec(link)?.[1] ?? '';
    const token = new URL(link).searchParams.get('token') ?? '';
    const page = `/m/deliveries/${deliveryId}`;
    const forged = token.replace(/^\d+\./, '9999999999.');
    await t.http().post(page).type('form').send({ token: forged }).expect(403);
    await t
      .http()
      .get(`${page}?token=${encodeURIComponent(token)}`)
      .expect(200);
    await t
      .http()
      .get(`/api/v1/deliveries/${deliveryId}/ack?token=${encodeURIComponent(token)}`)
      .expect(303);
    assert.equal((await deliveries(id)).counts.acknowledged, 0);
    const ack = await t.http().post(page).type('form').send({ token }).expect(200);
    assert.ok(ack.text.includes('已确认收到'));
    const after = (await deliveries(id)).items.find((i) => i.id === deliveryId);
    assert.ok(after?.acknowledgedAt);
    // An officer of the area acknowledges another one without a token.
    const other = busyRows[1].id;
    await t.http().post(`/api/v1/deliveries/${other}/ack`).send({}).expect(401);
    await t.http().post(`/api/v1/deliveries/${other}/ack`).set(boss).send({}).expect(200);
    await t
      .http()
      .post(`/api/v1/deliveries/${busyRows[2].id}/ack`)
      .set(await auth(USERS.ccb))
      .send({})
      .expect(403);
    await t.http().post(`/api/v1/deliveries/${other}/ack`).set(chen).send({}).expect(200);
    const counts = (await deliveries(id)).counts;
    assert.equal(counts.acknowledged, 2, 'acknowledging twice keeps one acknowledgement');
  });

  it('a robot answering 45009 is retried without counting a failure; other errcodes fail after the last attempt', async () => {
    const key = `ds-robot-1-${backend}`;
    robots.set(key, { kind: 'errcode', errcode: 45009, times: 2 });
    robots.set(`ds-robot-2-${backend}`, { kind: 'errcode', errcode: 40008, times: 99 });
    const title = `重试测试-${backend}`;
    const id = await warning(chen, { title, targetUnitIds: [unit['GY-YY-QL-DS']] });
    await approveAndPublish(id);
    await t.drain(60_000);
    robots.set(`ds-robot-2-${backend}`, { kind: 'ok' });
    const rows = (await deliveries(id)).items;
    const limited = rows.find((r) => route.get(r.coordinatorId) === key);
    assert.equal(limited?.status, 'sent');
    assert.equal(limited?.attempts, 1, '45009 answers did not count');
    const failing = rows.find((r) => route.get(r.coordinatorId) === `ds-robot-2-${backend}`);
    assert.equal(failing?.status, 'failed');
    assert.equal(failing?.attempts, 3, 'the configured maximum');
    assert.match(failing?.lastError ?? '', /errcode 40008/);
    assert.equal(robotMessagesAbout(key, title).length, 1);
  });

  it('withdrawing after partial delivery stops the rest and tells only the groups that got it', async () => {
    await new Promise((r) => setTimeout(r, WINDOW_MS)); // a fresh window for the busy robot
    const title = `撤回测试-${backend}`;
    const id = await warning(chen, { title, targetUnitIds: [unit['GY-YY-QL-QLDL']] });
    await approveAndPublish(id);
    await eventually('20 sent and some still waiting', async () => {
      const d = await deliveries(id);
      return d.counts.sent >= 20 && d.counts.queued > 0;
    });
    await t
      .http()
      .post(`/api/v1/warnings/${id}/withdraw`)
      .set(chen)
      .send({ reason: '信息需更正' })
      .expect(200);
    await t.drain(60_000);

    const d = await deliveries(id);
    const got = d.items.filter((i) => i.kind === 'warning' && i.status === 'sent');
    const notices = d.items.filter((i) => i.kind === 'withdrawal');
    assert.ok(d.counts.cancelled >= 1, 'undelivered messages were stopped');
    assert.ok(got.length >= 20 && got.length < 26);
    assert.deepEqual(
      notices.map((n) => n.coordinatorId).sort(),
      got.map((g) => g.coordinatorId).sort(),
      'a notice for exactly the groups that got the warning',
    );
    assert.ok(notices.every((n) => n.status === 'sent'));
    const busyWarnings = robotMessagesAbout(`busy-${backend}`, title).filter((m) =>
      m.content.includes('反诈预警'),
    );
    const busyNotices = robotMessagesAbout(`busy-${backend}`, title).filter((m) =>
      m.content.includes('预警撤回'),
    );
    assert.ok(busyWarnings.length < 25, 'the busy robot did not get them all');
    assert.equal(busyNotices.length, busyWarnings.length);
    assert.equal(robots.overLimit.get(`busy-${backend}`) ?? 0, 0, 'the robot never refused one');
  });

  it('a warning published for a later time goes out only then', async () => {
    const title = `定时发布-${backend}`;
    const id = await warning(chen, { title, targetUnitIds: [unit['GY-YY-QL-DS']] });
    const at = new Date(Date.now() + 2000).toISOString();
    const res = await approveAndPublish(id, { publishAt: at });
    assert.equal(res.status, 'scheduled');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(
      robotMessagesAbout(`ds-robot-0-${backend}`, title).length,
      0,
      'nothing before the time',
    );
    await eventually('the scheduled warning reached the robot', async () =>
      robotMessagesAbout(`ds-robot-0-${backend}`, title).length === 1 ? true : undefined,
    );
    const w = await t.http().get(`/api/v1/warnings/${id}`).set(chen).expect(200);
    assert.equal(w.body.status, 'published');
    assert.ok(new Date(w.body.publishedAt as string).getTime() >= new Date(at).getTime() - 50);
  });

  // Needs xmllint (Debian: apt-get install libxml2-utils; .ci/run installs it).
  (xmllintOnPath() ? it : it.skip)(
    'GET /warnings/:id/cap is a CAP 1.2 alert that validates against the schema',
    async () => {
      const id = await warning(chen, {
        title: '警惕“刷单返利” <新变种> & 话术',
        targetUnitIds: [unit['GY-YY-QL-DS'], unit['GY-YY-QL-QLDL']],
      });
      await approveAndPublish(id);
      const res = await t.http().get(`/api/v1/warnings/${id}/cap`).set(chen).expect(200);
      assert.match(String(res.headers['content-type']), /application\/cap\+xml/);
      const dir = mkdtempSync(join(tmpdir(), 'jw-cap-'));
      try {
        const file = join(dir, 'alert.xml');
        writeFileSync(file, res.text);
        execFileSync('xmllint', ['--noout', '--schema', CAP_XSD, file], { stdio: 'pipe' });
        assert.match(res.text, /<language>zh-CN<\/language>/);
        assert.match(res.text, /<areaDesc>东山社区<\/areaDesc>/);
        await t.http().post(`/api/v1/warnings/${id}/withdraw`).set(chen).send({}).expect(200);
        const cancel = await t.http().get(`/api/v1/warnings/${id}/cap`).set(chen).expect(200);
        writeFileSync(file, cancel.text);
        execFileSync('xmllint', ['--noout', '--schema', CAP_XSD, file], { stdio: 'pipe' });
        assert.match(cancel.text, /<msgType>Cancel<\/msgType>/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
