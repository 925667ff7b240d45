import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { formatYuan } from '../../src/common/money.js';
import { pdfPages } from '../pdf-pages.js';
import { loadDemoCity } from '../demo-city.js';
import { bootApp, TestApp, USERS } from '../harness.js';

const CHROMIUM = '/usr/bin/chromium';
/** The demo city's cases were reported in November 2026. */
const MONTH = '2026-11';
const RANGE = 'from=2026-11-01&to=2026-11-30';
const DIRECTOR = 'sun.director';
const CEREMONY = '十一月涉案资金集中发还仪式（测试）';

type H = Record<string, string>;

/** The figures a report prints, by their data-figure names. */
function figures(html: string): Map<string, string> {
  return new Map([...html.matchAll(/data-figure="([^"]+)">([^<]*)</g)].map((m) => [m[1], m[2]]));
}
const pct = (share: number | null) =>
  share === null ? '—' : `${(Math.round(share * 1000) / 10).toFixed(1)}%`;

describe('GET /stats/report: the monthly report up the chain (月度统计报告)', () => {
  let t: TestApp;
  const auth = async (user: string): Promise<H> => ({
    authorization: `Bearer ${await t.token(user)}`,
  });
  const report = async (user: string, query: string, status: number) => {
    const headers = await auth(user);
    return t.http().get(`/api/v1/stats/report?${query}`).set(headers).expect(status);
  };

  beforeAll(async () => {
    t = await bootApp('postgres');
    await loadDemoCity(t);
    // A ceremony of the 反诈中心 held in the month.
    await t
      .http()
      .post('/api/v1/ceremonies')
      .set(await auth('zhou.officer'))
      .send({ title: CEREMONY, heldOn: '2026-11-20', venue: '反诈中心一楼大厅' })
      .expect(201);
  }, 180_000);

  afterAll(async () => {
    await t?.close();
  });

  it('prints the figures of the statistics API for the month and the caller’s scope', async () => {
    for (const user of [DIRECTOR, USERS.officer]) {
      const res = await report(user, `month=${MONTH}`, 200);
      assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'; style-src 'sha256-/);
      assert.doesNotMatch(csp, /script-src|unsafe-inline/);
      assert.match(String(res.headers['cache-control']), /no-store/);
      const html = res.text;
      assert.ok(!/<script/i.test(html), 'no script');
      assert.ok(html.includes('@page{size:A4'), 'print styles for A4');
      assert.ok(html.includes('2026年11月电信网络诈骗案件工作情况统计报告'));

      const o = (
        await t
          .http()
          .get(`/api/v1/stats/overview?${RANGE}`)
          .set(await auth(user))
          .expect(200)
      ).body;
      const f = figures(html);
      assert.equal(f.get('casesTotal'), String(o.cases));
      assert.equal(f.get('casesRegistered'), String(o.cases - o.casesReported - o.casesRejected));
      assert.equal(f.get('casesSolved'), String(o.casesSolved + o.casesClosed));
      assert.equal(f.get('solvedRate'), pct(o.solvedRate));
      assert.equal(f.get('lossYuan'), formatYuan(o.lossFen));
      assert.equal(f.get('stoppedYuan'), formatYuan(o.stoppedFen));
      assert.equal(f.get('frozenYuan'), formatYuan(o.frozenFen));
      assert.equal(f.get('recoveredYuan'), formatYuan(o.recoveredFen));
      assert.equal(f.get('returnedYuan'), formatYuan(o.returnedFen));
      assert.equal(f.get('hits'), String(o.hits));
      assert.equal(f.get('warningsPublished'), String(o.warningsPublished));
      assert.equal(f.get('deliveriesSent'), String(o.deliveriesSent));
      assert.equal(f.get('deliveriesAcknowledged'), String(o.deliveriesAcknowledged));
      assert.equal(f.get('ackRate'), pct(o.deliveriesAcknowledgedShare));

      // The top fraud types, with the figures of /stats/by-fraud-type and their typical scripts.
      const rows = (
        await t
          .http()
          .get(`/api/v1/stats/by-fraud-type?${RANGE}`)
          .set(await auth(user))
          .expect(200)
      ).body.rows as { fraudType: string; label: string; cases: number; lossFen: number }[];
      const listed = rows.filter((r) => r.cases > 0);
      assert.ok(listed.length > 0);
      for (const r of listed.slice(0, 5)) {
        assert.equal(f.get(`type.${r.fraudType}.cases`), String(r.cases), r.fraudType);
        assert.equal(f.get(`type.${r.fraudType}.lossYuan`), formatYuan(r.lossFen));
        assert.ok(html.includes(r.label));
      }
      const [script] = (await t.db.query('SELECT typical_script FROM fraud_types WHERE code = $1', [
        listed.sort((a, b) => b.cases - a.cases || b.lossFen - a.lossFen)[0].fraudType,
      ])) as { typical_script: string }[];
      assert.ok(html.includes(script.typical_script.slice(0, 20)), 'the top type’s typical script');
    }
  });

  it('is scoped: the brigade’s report is the brigade’s, the city’s holds the 反诈中心’s ceremony', async () => {
    const city = figures((await report(DIRECTOR, `month=${MONTH}`, 200)).text);
    const brigadeRes = await report(USERS.officer, `month=${MONTH}`, 200);
    const brigade = figures(brigadeRes.text);
    assert.ok(Number(brigade.get('casesTotal')) < Number(city.get('casesTotal')));
    assert.ok(brigadeRes.text.includes('云岩分局网安大队'), 'headed with the caller’s unit');
    assert.ok(!brigadeRes.text.includes(CEREMONY), 'another unit’s ceremony is not listed');
    assert.equal(brigade.get('ceremonies'), '0');

    const cityHtml = (await report(DIRECTOR, `month=${MONTH}`, 200)).text;
    assert.ok(cityHtml.includes(CEREMONY));
    const [{ n }] = (await t.db.query(
      "SELECT count(*)::int AS n FROM ceremonies WHERE held_on BETWEEN '2026-11-01' AND '2026-11-30'",
    )) as { n: number }[];
    assert.equal(city.get('ceremonies'), String(n));
  });

  it('?format=pdf: the same report printed by Chromium on one or two A4 pages', async () => {
    const res = await t
      .http()
      .get(`/api/v1/stats/report?month=${MONTH}&format=pdf`)
      .set(await auth(DIRECTOR))
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      });
    if (!existsSync(CHROMIUM)) {
      assert.equal(res.status, 503);
      console.warn(`no Chromium at ${CHROMIUM}: checked the 503 only`);
      return;
    }
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/pdf');
    assert.match(
      String(res.headers['content-disposition']),
      /filename="jingwang-report-2026-11\.pdf"/,
    );
    const pdf = res.body as Buffer;
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    const pages = pdfPages(pdf);
    assert.ok(pages >= 1 && pages <= 2, `${pages} pages`);
  }, 120_000);

  it('refuses bank liaisons, community police and admins; asks for a login', async () => {
    for (const user of [USERS.icbc, USERS.community, USERS.admin])
      await report(user, `month=${MONTH}`, 403);
    await t.http().get(`/api/v1/stats/report?month=${MONTH}`).expect(401);
  });

  it('a missing, malformed or future month, or an unknown format, is a 400 naming the field', async () => {
    for (const [query, field] of [
      ['', 'month'],
      ['month=2026-13', 'month'],
      ['month=2026-1', 'month'],
      ['month=2099-01', 'month'],
      ['month=1999-12', 'month'],
      [`month=${MONTH}&format=docx`, 'format'],
    ]) {
      const res = await report(DIRECTOR, query, 400);
      assert.deepEqual(
        (res.body.details as { field: string }[]).map((d) => d.field),
        [field],
        query,
      );
    }
  });
});
