import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { AlertsTrendScanHandler } from '../../src/alerts/index.js';
import { Clock } from '../../src/common/clock.js';
import { OutboxService } from '../../src/common/outbox/outbox.service.js';
import { bootApp, DEMO_PASSWORD, TestApp, USERS } from '../harness.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

interface WarningItem {
  id: string;
  title: string;
  body: string;
  fraudType: string;
  status: string;
  source: string;
  authorId: string | null;
  unitId: string;
  targets: { code: string }[];
}

describe('alerts: the trend scan drafts a warning for a spike, once', () => {
  let t: TestApp;
  let station = '';
  let seq = 0;

  const auth = async (username: string) => ({
    authorization: `Bearer ${await t.token(username)}`,
  });
  const unitId = async (code: string): Promise<string> =>
    ((await t.db.query('SELECT id FROM units WHERE code = $1', [code])) as { id: string }[])[0].id;

  /** Cases straight into the table: `n` of a type in a unit, reported `ageMs` before now. */
  async function cases(unit: string, fraudType: string, n: number, ageMs: number): Promise<void> {
    const now = t.app.get(Clock).nowMs();
    for (let i = 0; i < n; i++)
      await t.db.query(
        `INSERT INTO cases (case_no, fraud_type, summary, reported_at, unit_id)
         VALUES ($1, $2, '趋势测试', $3, $4)`,
        [`TREND-${++seq}`, fraudType, new Date(now - ageMs - i * 60_000), unit],
      );
  }

  const trendDrafts = async (username: string): Promise<WarningItem[]> => {
    const res = await t
      .http()
      .get('/api/v1/warnings?status=draft')
      .set(await auth(username));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.items as WarningItem[]).filter((w) => w.source === 'trend_scan');
  };

  beforeAll(async () => {
    t = await bootApp('postgres');
    station = await unitId('GY-YY-QL');
    const community = await unitId('GY-YY-QL-DS');
    // 6 刷单返利 in the last 7 days at a community of 黔灵派出所; 2 in the 8 weeks before (mean 0.25).
    await cases(community, 'task_rebate', 4, HOUR);
    await cases(station, 'task_rebate', 2, 2 * DAY);
    await cases(community, 'task_rebate', 2, 20 * DAY);
    // Older than the 8 weeks of history: not counted.
    await cases(community, 'task_rebate', 30, 70 * DAY);
    // 贷款 only 3 this week: below the minimum of 5, however low its history.
    await cases(community, 'fake_loan', 3, HOUR);
    // 投资理财: 5 this week, but 5 a week before as well — no spike.
    await cases(community, 'fake_investment', 5, HOUR);
    for (let w = 1; w <= 8; w++) await cases(community, 'fake_investment', 5, w * 7 * DAY + HOUR);
  });
  afterAll(async () => t?.close());

  it('the job (through the outbox and the queue) drafts one warning with the figures and the script', async () => {
    const ds = t.app.get(DataSource);
    await ds.transaction((em) => t.app.get(OutboxService).add(em, 'alerts-trend-scan', {}));
    await t.drain();

    const drafts = await trendDrafts(USERS.community);
    assert.equal(drafts.length, 1, JSON.stringify(drafts));
    const [w] = drafts;
    assert.equal(w.fraudType, 'task_rebate');
    assert.equal(w.status, 'draft');
    assert.equal(w.authorId, null);
    assert.equal(w.unitId, station);
    assert.deepEqual(
      w.targets.map((x) => x.code),
      ['GY-YY-QL'],
    );
    assert.match(w.title, /黔灵派出所辖区刷单返利/);
    assert.match(w.body, /共接报刷单返利类案件 6 起/);
    assert.match(w.body, /此前8周共 2 起，周均 0\.3 起，为周均值的 24\.0 倍/);
    const [{ typical_script: script }] = (await t.db.query(
      "SELECT typical_script FROM fraud_types WHERE code = 'task_rebate'",
    )) as { typical_script: string }[];
    assert.ok(w.body.includes(`典型话术：${script}`), w.body);

    // It stays a draft: nothing published, nothing delivered.
    const [{ n }] = (await t.db.query(
      "SELECT count(*)::int AS n FROM warnings WHERE status <> 'draft'",
    )) as { n: number }[];
    assert.equal(n, 0);

    // Outside the station's area it is not seen.
    assert.equal((await trendDrafts(USERS.officerNanming)).length, 0);
  });

  it('running again, or into the next ISO week, drafts nothing new', async () => {
    const handler = t.app.get(AlertsTrendScanHandler);
    assert.equal(await handler.handle(), 0);
    // To just after the next Monday 00:00 China time: a new ISO week, the same cases.
    const clock = t.app.get(Clock);
    const cst = clock.nowMs() + 8 * HOUR;
    const sinceMonday = (((new Date(cst).getUTCDay() + 6) % 7) * DAY + (cst % DAY)) % (7 * DAY);
    clock.advance(7 * DAY - sinceMonday + 60_000);
    assert.equal(await handler.handle(), 0);
    assert.equal((await trendDrafts(USERS.community)).length, 1);
    const [{ n }] = (await t.db.query('SELECT count(*)::int AS n FROM trend_spikes')) as {
      n: number;
    }[];
    assert.equal(n, 1);
  });

  it('a supervisor of the area sees and approves the system draft (it has no author)', async () => {
    // The demo supervisor works at 反诈中心 (GY-FZ), outside 云岩分局: one at the sub-bureau.
    const created = await t
      .http()
      .post('/api/v1/users')
      .set(await auth(USERS.admin))
      .send({
        username: 'qian.supervisor',
        displayName: '钱局',
        password: DEMO_PASSWORD,
        role: 'supervisor',
        unitId: await unitId('GY-YY'),
      });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const seen = await trendDrafts('qian.supervisor');
    assert.equal(seen.length, 1);
    const [w] = seen;
    const res = await t
      .http()
      .post(`/api/v1/warnings/${w.id}/approve`)
      .set(await auth('qian.supervisor'));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'approved');
    assert.equal(res.body.publishedAt, null);
  });
});
