import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { formatYuan } from '../../src/common/money.js';
import { loadDemoCity } from '../demo-city.js';
import { bootApp, DEMO_PASSWORD, TestApp, USERS } from '../harness.js';

const CHROMIUM = '/usr/bin/chromium';
/** Written only with SCREENSHOTS=1, so an ordinary run leaves the tree as it was. */
const SCREENSHOT = resolve(import.meta.dirname, '../../../docs/screenshots/dashboard.png');
/** The city bureau's supervisor: the whole demo city, so every chart and list has something. */
const DIRECTOR = 'sun.director';

/** As the page writes amounts: yuan with two decimals and thousands separators. */
const yuan = (fen: number) => formatYuan(fen).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const count = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const percent = (share: number | null) =>
  share === null ? '—' : `${(Math.round(share * 1000) / 10).toFixed(1)}%`;
/** The page's default period, 本年: 1 January to today in China. */
function yearToDate(): string {
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  return `from=${today.slice(0, 4)}-01-01&to=${today}`;
}

describe('the dashboard (/dashboard): a page with its own script and ECharts, served by the app', () => {
  let t: TestApp;
  let base = '';

  beforeAll(async () => {
    t = await bootApp('postgres');
    await loadDemoCity(t);
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('serves the page, its style and script and ECharts with no inline code and a strict CSP', async () => {
    const page = await t.http().get('/dashboard').expect(200);
    assert.match(String(page.headers['content-type']), /^text\/html; charset=utf-8/);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, /connect-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers['set-cookie'], undefined);
    const html = page.text;
    assert.ok(html.includes('<html lang="zh-CN">'));
    assert.ok(html.includes('反诈数据看板'));
    // Every script is a file of this origin: none inline, none from elsewhere.
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 2);
    for (const [, attrs, body] of scripts) {
      assert.match(attrs, /src="\/dashboard\/[a-z.]+\.js"/);
      assert.equal(body.trim(), '');
    }
    assert.doesNotMatch(html, /https?:\/\//, 'nothing from the internet');

    const css = await t.http().get('/dashboard/dashboard.css').expect(200);
    assert.match(String(css.headers['content-type']), /^text\/css/);
    const js = await t.http().get('/dashboard/dashboard.js').expect(200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.ok(js.text.includes('sessionStorage.setItem(TOKEN_KEY'));
    assert.ok(!js.text.includes('document.cookie'), 'the token is never a cookie');
    const echarts = await t.http().get('/dashboard/echarts.min.js').expect(200);
    assert.match(String(echarts.headers['content-type']), /^text\/javascript/);
    assert.ok(echarts.text.length > 500_000, 'the whole library');
    assert.match(echarts.text, /echarts/);
    assert.match(String(echarts.headers['cache-control']), /max-age=/);
    await t.http().get('/dashboard/other.js').expect(404);
    await t.http().get('/api/v1/dashboard').expect(404);
  });

  describe('in headless Chromium at 1366×768', () => {
    let browser: Browser | null = null;
    let page: Page;
    const problems: string[] = [];

    beforeAll(async () => {
      if (!existsSync(CHROMIUM)) return;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run'],
      });
      page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning')
          problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
      page.on('requestfailed', (r) =>
        problems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText} ${r.postData()}`),
      );
      page.on('request', (r) => {
        if (!r.url().startsWith(base) && !r.url().startsWith('data:'))
          problems.push(`outside request: ${r.url()}`);
      });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    const skipped = () => {
      if (browser) return false;
      console.warn(`skipped: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`);
      return true;
    };

    async function logIn(username: string): Promise<void> {
      await page.goto(`${base}/dashboard`);
      await page.getByLabel('用户名').fill(username);
      await page.getByLabel('密码').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: '登录' }).click();
    }

    const figure = (name: string) => page.locator(`[data-figure="${name}"]`).first().innerText();

    it('a supervisor logs in on the page and sees the numbers the API returns', async () => {
      if (skipped()) return;
      await logIn(DIRECTOR);
      await page.getByText('孙卫东（领导）').waitFor();
      assert.ok(await page.getByText('贵阳市公安局', { exact: true }).isVisible(), 'the unit');
      // The figures are in once the last list is filled.
      await page.locator('#warnings tr').first().waitFor();
      await page.waitForFunction(
        "document.querySelector('[data-figure=casesTotal]').textContent !== '–'",
      );

      const auth = { authorization: `Bearer ${await t.token(DIRECTOR)}` };
      const o = (await t.http().get(`/api/v1/stats/overview?${yearToDate()}`).set(auth).expect(200))
        .body;
      assert.ok(o.cases > 0, 'the demo city has cases this year');
      assert.equal(await figure('casesTotal'), count(o.cases));
      assert.equal(await figure('casesSolved'), count(o.casesSolved + o.casesClosed));
      assert.equal(await figure('solvedRate'), percent(o.solvedRate));
      assert.equal(await figure('lossYuan'), yuan(o.lossFen));
      assert.equal(await figure('stoppedYuan'), yuan(o.stoppedFen));
      assert.equal(await figure('frozenYuan'), yuan(o.frozenFen));
      assert.equal(await figure('recoveredYuan'), yuan(o.recoveredFen));
      assert.equal(await figure('returnedYuan'), yuan(o.returnedFen));
      assert.equal(await figure('deliveriesSent'), count(o.deliveriesSent));
      assert.equal(await figure('ackRate'), percent(o.deliveriesAcknowledgedShare));

      // The lists: the newest hit, the freeze lapsing within the week, the published warning.
      const hits = (await t.http().get('/api/v1/transfer-flags/hits?limit=8').set(auth).expect(200))
        .body.items as { caseNo: string }[];
      assert.ok(hits.length > 0);
      assert.equal(await page.locator('#hits tr').count(), hits.length);
      assert.ok(await page.locator('#hits').getByText(hits[0].caseNo).first().isVisible());
      const expiring = (
        await t
          .http()
          .get('/api/v1/freeze-orders?expiringWithinDays=7&limit=50')
          .set(auth)
          .expect(200)
      ).body.items as { caseNo: string; expiresAt: string }[];
      assert.ok(expiring.length > 0, 'the demo freeze lapsing in five days');
      assert.equal(await page.locator('#freezes tr').count(), expiring.length);
      for (const o2 of expiring)
        assert.ok(await page.locator('#freezes').getByText(o2.caseNo).first().isVisible());
      const warnings = (
        await t.http().get('/api/v1/warnings?status=published&limit=6').set(auth).expect(200)
      ).body.items as { id: string; title: string }[];
      assert.ok(warnings.length > 0);
      const deliveries = (
        await t.http().get(`/api/v1/warnings/${warnings[0].id}/deliveries`).set(auth).expect(200)
      ).body.counts as Record<string, number>;
      const row = page.locator('#warnings tr').first();
      assert.ok((await row.innerText()).includes(warnings[0].title));
      const cells = await row.locator('td').allInnerTexts();
      assert.equal(cells[2], count(deliveries.sent + deliveries.acknowledged));
      assert.equal(cells[3], count(deliveries.acknowledged));

      // Three charts drawn, with Chinese labels in their options.
      const charts = await page.evaluate<{ canvases: number; labels: string[] }>(`(() => {
        const ids = ['chart-types', 'chart-weeks', 'chart-units'];
        const labels = ids.flatMap((id) => {
          const c = echarts.getInstanceByDom(document.getElementById(id));
          const o = c.getOption();
          return [].concat(o.yAxis.flatMap((a) => a.data || []), o.series.map((s) => s.name));
        });
        return { canvases: document.querySelectorAll('.chart canvas').length, labels };
      })()`);
      assert.equal(charts.canvases, 3);
      assert.ok(charts.labels.includes('损失'));
      assert.ok(charts.labels.includes('立案数'));
      assert.ok(
        charts.labels.some((l) => /分局|派出所|中心/.test(l)),
        'units ranked by name',
      );

      // Readable on a 1366×768 laptop: no sideways scrolling.
      const widths = await page.evaluate<{ scroll: number; inner: number }>(
        '({ scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth })',
      );
      assert.ok(widths.scroll <= widths.inner, `no sideways scroll: ${JSON.stringify(widths)}`);
      // The token lives in the tab's sessionStorage, not in a cookie.
      assert.deepEqual(await page.context().cookies(), []);
      assert.ok(
        await page.evaluate<boolean>("!!sessionStorage.getItem('jw.dashboard.token')"),
        'token in sessionStorage',
      );
      assert.deepEqual(problems, [], 'no console error, CSP violation or failed request');

      if (process.env.SCREENSHOTS === '1') {
        mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
      }
    }, 120_000);

    it('a wrong password, and roles the dashboard is not for, are told so in Chinese', async () => {
      if (skipped()) return;
      await page.goto(`${base}/dashboard`);
      await page.evaluate('sessionStorage.clear()');
      await page.reload();
      await page.getByLabel('用户名').fill(USERS.officer);
      await page.getByLabel('密码').fill('not-the-password');
      await page.getByRole('button', { name: '登录' }).click();
      await page.getByText('用户名或密码错误').waitFor();
      problems.length = 0; // the 401 of the wrong password is the browser's own console line

      for (const username of [USERS.community, USERS.icbc]) {
        await logIn(username);
        await page.getByText('数据看板仅供民警和领导使用').waitFor();
        assert.ok(await page.locator('#board').isHidden());
        assert.equal(
          await page.evaluate<string | null>("sessionStorage.getItem('jw.dashboard.token')"),
          null,
        );
      }

      // An officer sees the board of the own unit, and can log out.
      await logIn(USERS.officer);
      await page.locator('#board').waitFor();
      await page.getByRole('button', { name: '退出' }).click();
      await page.getByRole('heading', { name: '民警登录' }).waitFor();
      assert.deepEqual(problems, []);
    }, 120_000);
  });
});
