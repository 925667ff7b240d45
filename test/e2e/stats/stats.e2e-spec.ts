import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { bootApp, TestApp, USERS } from '../../harness.js';
import { statsKit } from './scenario.js';

/** A CSV body into rows of cells (RFC 4180 quoting), after checking and stripping the BOM. */
export function parseCsv(text: string): string[][] {
  assert.equal(text.charCodeAt(0), 0xfeff, 'starts with the UTF-8 BOM');
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

/**
 * GET /stats/*: every figure equals a direct count of the rows in the caller's scope, for every
 * role, after filings, status moves, orders, recoveries, allocations, returns, flags, hits,
 * dissuasion outcomes and a published warning made through the API.
 */
describe('statistics', () => {
  let t: TestApp;
  const k = statsKit(() => t);
  let from = '';
  let to = '';

  beforeAll(async () => {
    t = await bootApp();
    from = k.chinaDay(-20);
    to = k.chinaDay(0);
    const a = await k.fileCase(USERS.officer, 'task_rebate', 5_000_000, 90);
    const b = await k.fileCase(USERS.officer, 'fake_investment', 123_456, 600);
    const c = await k.fileCase(USERS.officerNanming, 'task_rebate', 99, 30);
    await k.fileCase(USERS.officerNanming, 'romance', 1_000_001, 60 * 24 * 3);
    for (const s of ['registered', 'investigating', 'solved'])
      assert.equal(await k.move(a.user, a.id, s), 200);
    assert.equal(await k.move(b.user, b.id, 'registered'), 200);
    assert.equal(await k.move(c.user, c.id, 'rejected'), 200);
    await k.order(a, 'stop_payment', 5_000_000, 4_000_000);
    const freeze = await k.order(a, 'freeze', 5_000_000, 5_000_000);
    assert.ok(freeze);
    assert.ok(await k.recoverAndReturn(a, freeze, 1_000_001, true));
    await k.order(b, 'freeze', 100_000, null);
    await k.flag(a.card, 6_000_000);
    await k.flag(null, 250_050);
    const tasks = await t
      .http()
      .get('/api/v1/dissuasions')
      .set(await k.as(USERS.officer))
      .expect(200);
    const task = (tasks.body.items as { id: string }[])[0];
    if (task) {
      await t
        .http()
        .post(`/api/v1/dissuasions/${task.id}/outcome`)
        .set(await k.as(USERS.officer))
        .send({ outcome: 'stopped' })
        .expect(200);
    }
    await k.publishWarning('task_rebate');
  }, 180_000);
  afterAll(async () => t?.close());

  it('answers for every role what a direct count of its scope’s rows gives', async () => {
    for (const user of Object.values(USERS)) await k.checkAll(user, from, to);
    const officer = await k.get(USERS.officer, `overview?from=${from}&to=${to}`);
    // Not only zeros: the scenario's own figures for li.officer's brigade.
    assert.equal(officer.cases, 2);
    assert.equal(officer.casesSolved, 1);
    assert.equal(officer.lossFen, 5_123_456);
    assert.equal(officer.solvedRate, 0.5);
    assert.equal(officer.stoppedFen, 4_000_000);
    assert.equal(officer.frozenFen, 5_000_000);
    assert.equal(officer.recoveredFen, 1_000_001);
    assert.equal(officer.returnedFen, 1_000_001);
    assert.equal(officer.hits, 1);
    assert.equal(officer.flags, null, 'a flag is the bank’s, not the police unit’s');
    assert.equal(officer.goldenHourCases, 2);
    const bank = await k.get(USERS.icbc, `overview?from=${from}&to=${to}`);
    assert.equal(bank.flags, 2);
    assert.equal(bank.flaggedFen, 6_250_050);
    assert.equal(bank.cases, null, 'a liaison never sees cases');
    assert.equal(bank.allocatedFen, null);
    const community = await k.get(USERS.community, `overview?from=${from}&to=${to}`);
    assert.equal(community.warningsPublished, 1);
    assert.equal(community.lossFen, null);
  });

  it('counts by day too, and an empty range is all zeros', async () => {
    await k.checkAll(USERS.admin, from, to, 'day');
    // A whole calendar month (read from the monthly rollup) and the days around it.
    const today = k.chinaDay(0);
    const first = `${today.slice(0, 8)}01`;
    const d = new Date(`${first}T00:00:00Z`);
    const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0))
      .toISOString()
      .slice(0, 10);
    for (const user of [USERS.admin, USERS.officer, USERS.icbc, USERS.community]) {
      await k.checkAll(user, first, last);
      await k.checkAll(user, k.chinaDay(-45), last);
    }
    const months = (
      await k.get(USERS.officer, `timeseries?from=${k.chinaDay(-45)}&to=${last}&interval=month`)
    ).rows as { period: string; cases: number }[];
    assert.equal(months[months.length - 1].period, first);
    assert.equal(
      months[months.length - 1].cases,
      (await k.get(USERS.officer, `overview?from=${first}&to=${last}`)).cases,
    );
    const past = await k.get(USERS.admin, 'overview?from=2020-01-01&to=2020-01-31');
    assert.equal(past.cases, 0);
    assert.equal(past.goldenHourMedianMinutes, null);
  });

  it('moves a case’s figures with its fraud type, and with its loss', async () => {
    const [row] = (await t.db.query(
      `SELECT id FROM cases WHERE fraud_type = 'task_rebate' AND status = 'solved' LIMIT 1`,
    )) as { id: string }[];
    await t
      .http()
      .patch(`/api/v1/cases/${row.id}`)
      .set(await k.as(USERS.officer))
      .send({ fraudType: 'fake_loan' })
      .expect(200);
    await t.db.query('DELETE FROM transfer_hits WHERE case_id = $1', [row.id]);
    await k.checkAll(USERS.officer, from, to);
    await k.checkAll(USERS.icbc, from, to);
    await k.checkAll(USERS.admin, from, to);
  });

  it('by-unit lists the children of a given parent in scope, and 404s one outside', async () => {
    const yy = await k.unitIdOf('GY-YY');
    const res = await k.get(
      USERS.supervisorYunyan,
      `by-unit?from=${from}&to=${to}&parentUnitId=${yy}`,
    );
    assert.equal(res.parentUnitId, yy);
    assert.ok((res.rows as { self: boolean }[])[0].self);
    const nm = await k.unitIdOf('GY-NM');
    await t
      .http()
      .get(`/api/v1/stats/by-unit?from=${from}&to=${to}&parentUnitId=${nm}`)
      .set(await k.as(USERS.supervisorYunyan))
      .expect(404);
  });

  it('CSV: BOM, Chinese header, yuan with two decimals beside fen, same rows as JSON', async () => {
    const res = await t
      .http()
      .get(`/api/v1/stats/by-fraud-type?from=${from}&to=${to}&format=csv`)
      .set(await k.as(USERS.admin))
      .buffer(true)
      .parse((r, done) => {
        let s = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (s += c));
        r.on('end', () => done(null, s));
      });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/csv; charset=utf-8/);
    const rows = parseCsv(res.body as string);
    const header = rows[0];
    assert.deepEqual(header.slice(0, 3), ['诈骗类型代码', '诈骗类型', '案件数']);
    const lossFen = header.indexOf('损失金额（分）');
    assert.equal(header[lossFen + 1], '损失金额（元）');
    const json = (await k.get(USERS.admin, `by-fraud-type?from=${from}&to=${to}`)).rows as {
      fraudType: string;
      lossFen: number;
      flags: number | null;
    }[];
    assert.equal(rows.length, json.length + 1);
    for (const [i, j] of json.entries()) {
      const r = rows[i + 1];
      assert.equal(r[0], j.fraudType);
      assert.equal(r[lossFen], String(j.lossFen));
      const fen = BigInt(r[lossFen]);
      assert.equal(r[lossFen + 1], `${fen / 100n}.${String(fen % 100n).padStart(2, '0')}`);
      assert.match(r[lossFen + 1], /^\d+\.\d{2}$/);
      assert.equal(r[header.indexOf('可疑交易数')], '', 'null (no fraud type) is an empty cell');
    }
    const romance = rows.find((r) => r[0] === 'romance')!;
    assert.equal(romance[lossFen + 1], '10000.01');
    for (const path of ['overview', 'by-unit', 'timeseries']) {
      const r = await t
        .http()
        .get(
          `/api/v1/stats/${path}?from=${from}&to=${to}&interval=week&format=csv`.replace(
            path === 'timeseries' ? '' : '&interval=week',
            '',
          ),
        )
        .set(await k.as(USERS.officer))
        .buffer(true)
        .parse((resp, done) => {
          let s = '';
          resp.setEncoding('utf8');
          resp.on('data', (c: string) => (s += c));
          resp.on('end', () => done(null, s));
        });
      assert.equal(r.status, 200, path);
      const parsed = parseCsv(r.body as string);
      assert.ok(parsed.length >= 2, path);
      assert.ok(
        parsed.every((row) => row.length === parsed[0].length),
        `${path}: every row has every column`,
      );
    }
  });

  it('400 naming the field for bad dates, reversed or too long ranges and a bad interval; 401 without a token', async () => {
    const h = await k.as(USERS.officer);
    const bad = async (path: string, field: string, problem: RegExp) => {
      const res = await t.http().get(`/api/v1/stats/${path}`).set(h);
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
      const d = (res.body.details as { field: string; problem: string }[]).find(
        (x) => x.field === field,
      );
      assert.ok(d, `${path}: names ${field}: ${JSON.stringify(res.body)}`);
      assert.match(d.problem, problem);
    };
    await bad('overview?from=2026-02-30&to=2026-03-01', 'from', /real date/);
    await bad('overview?from=2026-11&to=2026-11-30', 'from', /YYYY-MM-DD/);
    await bad('overview?from=2026-11-01', 'to', /YYYY-MM-DD/);
    await bad('overview?from=2026-11-30&to=2026-11-01', 'to', /not be before from/);
    await bad('by-unit?from=2000-01-01&to=2026-11-01', 'to', /at most 3660 days/);
    await bad(
      'timeseries?from=2025-01-01&to=2026-11-01&interval=day',
      'to',
      /366 days .*interval=day/,
    );
    await bad('timeseries?from=2025-01-01&to=2025-02-01&interval=hour', 'interval', /./);
    await bad('by-unit?from=2025-01-01&to=2025-02-01&parentUnitId=x', 'parentUnitId', /./);
    await bad('overview?from=2025-01-01&to=2025-02-01&format=xlsx', 'format', /./);
    await t.http().get(`/api/v1/stats/overview?from=${from}&to=${to}`).expect(401);
    // A year by day and ten by month are within the limits.
    await t
      .http()
      .get('/api/v1/stats/timeseries?from=2025-01-01&to=2025-12-31&interval=day')
      .set(h)
      .expect(200);
    await t
      .http()
      .get('/api/v1/stats/timeseries?from=2016-01-01&to=2025-12-31&interval=month')
      .set(h)
      .expect(200);
  });
});
