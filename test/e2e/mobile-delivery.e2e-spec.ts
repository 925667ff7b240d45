import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { chromium } from 'playwright-core';
import { FakeWecom } from '../fakes/wecom-robot.js';
import { bootApp, TestApp, USERS } from '../harness.js';
import { testConfig } from '../setup/test-config.js';

const CHROMIUM = '/usr/bin/chromium';
/** Written only with SCREENSHOTS=1, so an ordinary run leaves the tree as it was. */
const SCREENSHOT = resolve(import.meta.dirname, '../../../docs/screenshots/mobile-delivery.png');

type H = Record<string, string>;

/**
 * The link in a delivered message, as a resident or coordinator taps it in WeChat: a page for a
 * phone, which only its button (a POST) acknowledges; and the manual channel's plain text.
 */
describe('a message’s link opens a page for phones that acknowledges only by its button', () => {
  let t: TestApp;
  let base = '';
  const robots = new FakeWecom(20, 60_000);
  let chen: H;
  let warningId = '';
  let manualId = '';
  /** Path and query of the link in the robot's message. */
  let link = '';
  let deliveryId = '';
  const title = '警惕“冒充客服”退款诈骗 <紧急>';
  const body =
    '近期辖区多发冒充电商客服以“退款理赔”为由的诈骗。\n请勿点击陌生链接，勿开启屏幕共享。';

  const acknowledgedAt = async (): Promise<string | null> => {
    const res = await t
      .http()
      .get(`/api/v1/warnings/${warningId}/deliveries`)
      .set(chen)
      .expect(200);
    const items = res.body.items as { id: string; acknowledgedAt: string | null }[];
    const item = items.find((i) => i.id === deliveryId);
    assert.ok(item, 'the delivery is listed');
    return item.acknowledgedAt;
  };

  beforeAll(async () => {
    await robots.start();
    t = await bootApp('postgres', {
      alerts: { ...testConfig().alerts, wecomApiBase: robots.base },
    });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    chen = { authorization: `Bearer ${await t.token(USERS.community)}` };
    const boss = { authorization: `Bearer ${await t.token(USERS.supervisorYunyan)}` };
    const [ql] = (await t.db.query("SELECT id FROM units WHERE code = 'GY-YY-QL-DS'")) as {
      id: string;
    }[];
    const coordinator = async (body: Record<string, unknown>) => {
      const res = await t
        .http()
        .post('/api/v1/coordinators')
        .set(chen)
        .send({ phone: '13800001234', communityId: ql.id, ...body });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    await coordinator({
      name: '东山协调员',
      groupName: '东山社区1号楼群',
      channel: 'wecom_bot',
      webhookUrl: robots.url('mobile-robot'),
    });
    manualId = await coordinator({
      name: '王阿姨',
      phone: '13700002222',
      groupName: '东山社区老年人群',
      channel: 'manual',
    });
    const w = await t
      .http()
      .post('/api/v1/warnings')
      .set(chen)
      .send({
        title,
        body,
        fraudType: 'fake_customer_service',
        severity: 'severe',
        targetUnitIds: [ql.id],
      });
    assert.equal(w.status, 201, JSON.stringify(w.body));
    warningId = w.body.id as string;
    await t.http().post(`/api/v1/warnings/${warningId}/approve`).set(boss).expect(200);
    await t.http().post(`/api/v1/warnings/${warningId}/publish`).set(chen).send({}).expect(200);
    await t.drain(60_000);
    const md =
      robots.messages('mobile-robot').find((m) => m.content.includes('冒充客服'))?.content ?? '';
    const url = /\[已收到，点此确认\]\((http[^)]+)\)/.exec(md)?.[1] ?? '';
    assert.match(url, /\/m\/deliveries\/[0-9a-f-]{36}\?token=/, md);
    link = new URL(url).pathname + new URL(url).search;
    deliveryId = /deliveries\/([0-9a-f-]{36})/.exec(link)?.[1] ?? '';
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await robots.stop();
  });

  it('opening the link shows the warning as an escaped Chinese page and acknowledges nothing', async () => {
    const res = await t.http().get(link).expect(200);
    assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
    assert.match(String(res.headers['content-security-policy']), /script-src|default-src 'none'/);
    assert.doesNotMatch(String(res.headers['content-security-policy']), /unsafe-inline/);
    assert.match(String(res.headers['cache-control']), /no-store/);
    const html = res.text;
    assert.ok(html.includes('<meta name="viewport" content="width=device-width'));
    assert.ok(html.includes('警惕“冒充客服”退款诈骗 &lt;紧急&gt;'), 'the title, escaped');
    assert.ok(!html.includes('<紧急>'));
    assert.ok(html.includes('href="tel:96110"'));
    assert.ok(html.includes('典型话术'));
    assert.ok(html.includes('<form method="post" action="/m/deliveries/'));
    assert.ok(!/<script/i.test(html), 'no scripts');
    // A link preview or crawler that fetches the link (and the old /ack link) acknowledges nothing.
    await t.http().head(link).expect(200);
    const old = await t
      .http()
      .get(link.replace(/^\/m\/deliveries\/([^?]+)/, '/api/v1/deliveries/$1/ack'))
      .expect(303);
    assert.equal(old.headers.location, link);
    assert.equal(await acknowledgedAt(), null);
  });

  it('a forged, missing or unknown link is a friendly Chinese page, never JSON', async () => {
    const forged = await t
      .http()
      .get(link.replace(/token=\d+\./, 'token=9999999999.'))
      .expect(403);
    assert.match(String(forged.headers['content-type']), /^text\/html/);
    assert.ok(forged.text.includes('链接无效'));
    const none = await t.http().get(`/m/deliveries/${deliveryId}`).expect(403);
    assert.ok(none.text.includes('链接无效'));
    const posted = await t
      .http()
      .post(`/m/deliveries/${deliveryId}`)
      .type('form')
      .send({ token: 'nonsense' })
      .expect(403);
    assert.ok(posted.text.includes('链接无效'));
    // Form bodies are for the pages only: the API still takes JSON.
    await t.http().post('/api/v1/auth/login').type('form').send({ username: 'x' }).expect(415);
    const unknown = await t.http().get('/m/deliveries/not-a-uuid?token=x').expect(404);
    assert.match(String(unknown.headers['content-type']), /^text\/html/);
    assert.ok(unknown.text.includes('未找到这条消息'));
    assert.equal(await acknowledgedAt(), null);
  });

  it('on a phone: readable without sideways scrolling, 96110 to call, the button acknowledges once', async () => {
    if (!existsSync(CHROMIUM)) {
      console.warn(`skipped: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`);
      return;
    }
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage({
        viewport: { width: 375, height: 812 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        locale: 'zh-CN',
      });
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      await page.goto(base + link);
      assert.ok(await page.getByRole('heading', { name: title }).isVisible());
      assert.ok(await page.getByText('请勿点击陌生链接').isVisible(), 'the body');
      assert.ok(await page.getByText('典型话术').isVisible());
      assert.ok(await page.getByText('黔灵派出所').first().isVisible(), 'the issuing unit');
      const tel = page.getByRole('link', { name: /96110/ });
      assert.equal(await tel.getAttribute('href'), 'tel:96110');
      // Evaluated in the page (this test's TypeScript has no DOM types).
      const widths = await page.evaluate<{ scroll: number; inner: number }>(
        '({ scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth })',
      );
      assert.ok(widths.scroll <= widths.inner, `no sideways scroll: ${JSON.stringify(widths)}`);
      const fontSize = await page.evaluate<number>(
        "parseFloat(getComputedStyle(document.querySelector('.body')).fontSize)",
      );
      assert.ok(fontSize >= 16, `large type: ${fontSize}px`);
      assert.equal(await acknowledgedAt(), null, 'loading the page acknowledged nothing');

      await page.getByRole('button', { name: /已收到/ }).click();
      await page.getByText('已确认收到').waitFor();
      assert.ok(await page.getByText('已确认收到').isVisible());
      assert.ok(!page.url().includes('token='), 'the post carried the token in its body');
      const first = await acknowledgedAt();
      assert.ok(first, 'the deliveries API shows it acknowledged');
      assert.deepEqual(violations, [], 'the style is allowed by the page’s CSP');
      if (process.env.SCREENSHOTS === '1') {
        mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
      }

      // Pressing again (a reload re-posting, a second tap) keeps the first acknowledgement.
      const again = await t
        .http()
        .post(`/m/deliveries/${deliveryId}`)
        .type('form')
        .send({ token: new URLSearchParams(link.split('?')[1]).get('token') ?? '' })
        .expect(200);
      assert.ok(again.text.includes('已确认收到'));
      assert.equal(await acknowledgedAt(), first);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('the manual channel hands over each message as plain text as well as markdown', async () => {
    const res = await t
      .http()
      .post(`/api/v1/coordinators/${manualId}/pending-messages`)
      .set(chen)
      .expect(201);
    const msg = (res.body as { markdown: string; text: string }[])[0];
    assert.match(msg.markdown, /<font/);
    assert.doesNotMatch(msg.text, /<font|\*\*|\]\(/);
    assert.ok(msg.text.startsWith(`【反诈预警】${title}\n诈骗类型：`));
    assert.ok(msg.text.includes(body), 'line breaks kept');
    assert.match(
      msg.text,
      /已收到请点此确认：http:\/\/\S+\/m\/deliveries\/[0-9a-f-]{36}\?token=\S+$/,
    );
    assert.ok(msg.text.includes('96110'));
  });
});
