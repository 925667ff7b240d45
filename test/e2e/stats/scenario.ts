import assert from 'node:assert/strict';
import { Clock } from '../../../src/common/clock.js';
import { citizenId } from '../../builders.js';
import type { TestApp } from '../../harness.js';
import { directFigures, whoIs, type Figures } from './direct-count.js';

/** Requests and checks shared by the statistics tests. */
export function statsKit(t: () => TestApp) {
  const as = async (user: string) => ({ authorization: `Bearer ${await t().token(user)}` });
  const now = () => t().app.get(Clock).nowMs();
  /** A China calendar day `days` from today. */
  const chinaDay = (days = 0) =>
    new Date(now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);
  let seq = 0;

  async function get(user: string, path: string) {
    const res = await t()
      .http()
      .get(`/api/v1/stats/${path}`)
      .set(await as(user));
    assert.equal(res.status, 200, `${user} ${path}: ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  }

  const pick = (row: Record<string, unknown>, like: Figures) =>
    Object.fromEntries(Object.keys(like).map((k) => [k, row[k]]));

  /** Every endpoint's figures for `user` equal the direct count of the rows in its scope. */
  async function checkAll(
    user: string,
    from: string,
    to: string,
    interval: 'day' | 'week' = 'week',
  ) {
    const db = t().db;
    const who = await whoIs(db, user);
    const q = `from=${from}&to=${to}`;
    const overview = await get(user, `overview?${q}`);
    const expected = await directFigures(db, who, from, to);
    assert.deepEqual(pick(overview, expected), expected, `${user}: overview`);

    const byType = (await get(user, `by-fraud-type?${q}`)).rows as Record<string, unknown>[];
    for (const row of byType) {
      const e = await directFigures(db, who, from, to, { fraudType: row.fraudType as string });
      assert.deepEqual(pick(row, e), e, `${user}: by-fraud-type ${String(row.fraudType)}`);
    }

    const byUnit = (await get(user, `by-unit?${q}`)).rows as Record<string, unknown>[];
    for (const row of byUnit) {
      const [u] = (await db.query('SELECT path FROM units WHERE id = $1', [row.unitId])) as {
        path: string;
      }[];
      const e = await directFigures(
        db,
        who,
        from,
        to,
        row.self ? { unitId: row.unitId as string } : { subtreePath: u.path },
      );
      assert.deepEqual(pick(row, e), e, `${user}: by-unit ${String(row.unitCode)}`);
    }

    const series = (await get(user, `timeseries?${q}&interval=${interval}`)).rows as Record<
      string,
      unknown
    >[];
    for (const row of series) {
      const start = row.period as string;
      const endMs =
        Date.parse(`${start}T00:00:00Z`) + ((interval === 'week' ? 7 : 1) - 1) * 86_400_000;
      const end = new Date(endMs).toISOString().slice(0, 10);
      const e = await directFigures(db, who, start < from ? from : start, end > to ? to : end);
      assert.deepEqual(pick(row, e), e, `${user}: timeseries ${start}`);
    }
    return { overview, byType, byUnit, series };
  }

  /** A case filed by `user` with one victim (with an ID number) paying `amountFen` into a new card. */
  async function fileCase(user: string, fraudType: string, amountFen: number, minutesAgo = 90) {
    const n = ++seq;
    const card = `6222${String(n).padStart(3, '0')}${String(Date.now() % 1e9).padStart(9, '0')}`;
    const res = await t()
      .http()
      .post('/api/v1/cases')
      .set(await as(user))
      .send({
        fraudType,
        summary: '受害人被诱导向对方提供的银行卡转账。',
        reportedAt: new Date(now() - minutesAgo * 60_000).toISOString(),
        victims: [
          { name: '张三', idNumber: citizenId(`5201021985061${String(1000 + n).slice(-4)}`) },
        ],
        identifiers: [
          { kind: 'bank_card', value: card, bankName: '中国工商银行', role: 'receiving_account' },
        ],
        transfers: [
          {
            victimIndex: 0,
            identifierIndex: 0,
            amountFen,
            transferredAt: new Date(now() - (minutesAgo + 60) * 60_000).toISOString(),
            channel: 'bank_transfer',
          },
        ],
      });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return {
      id: res.body.id as string,
      card,
      identifierId: res.body.identifiers[0].id as string,
      victimId: res.body.victims[0].id as string,
      idNumber: citizenId(`5201021985061${String(1000 + n).slice(-4)}`),
      user,
    };
  }

  async function move(user: string, caseId: string, to: string) {
    const res = await t()
      .http()
      .post(`/api/v1/cases/${caseId}/transitions`)
      .set(await as(user))
      .send({ to, reason: '统计测试' });
    return res.status;
  }

  const unitIdOf = async (code: string) =>
    ((await t().db.query('SELECT id FROM units WHERE code = $1', [code])) as { id: string }[])[0]
      .id;

  /** An order to ICBC on the case's card, answered frozen for `frozenFen` (or not answered). */
  async function order(
    c: { id: string; identifierId: string; user: string },
    kind: 'stop_payment' | 'freeze',
    requestedFen: number,
    frozenFen: number | null,
  ) {
    const res = await t()
      .http()
      .post('/api/v1/freeze-orders')
      .set(await as(c.user))
      .send({
        kind,
        caseId: c.id,
        identifierId: c.identifierId,
        bankUnitId: await unitIdOf('ICBC-GY'),
        requestedFen,
      });
    if (res.status !== 201) return null; // one live order of a kind per account
    const id = res.body.id as string;
    if (frozenFen !== null) {
      const answer =
        frozenFen >= requestedFen
          ? { answer: 'frozen' }
          : { answer: 'partially_frozen', frozenFen };
      const a = await t()
        .http()
        .post(`/api/v1/freeze-orders/${id}/response`)
        .set(await as('liu.icbc'))
        .send(answer);
      assert.equal(a.status, 200, JSON.stringify(a.body));
    }
    return id;
  }

  /** Recovers `amountFen` from a frozen order, allocates it to the case's one victim, returns it signed. */
  async function recoverAndReturn(
    c: { user: string; victimId: string; idNumber: string },
    orderId: string,
    amountFen: number,
    sign: boolean,
  ) {
    const h = await as(c.user);
    const rec = await t().http().post('/api/v1/recoveries').set(h).send({
      orderId,
      amountFen,
      recoveredOn: chinaDay(),
      legalBasis: '《公安机关办理刑事案件程序规定》第二百三十八条',
    });
    if (rec.status !== 201) return false;
    const proposed = await t().http().post(`/api/v1/recoveries/${rec.body.id}/allocations`).set(h);
    if (proposed.status !== 200) return true;
    const conf = await t()
      .http()
      .post(`/api/v1/recoveries/${rec.body.id}/allocations?confirm=true`)
      .set(h);
    if (conf.status !== 200 || !sign) return true;
    const alloc = (conf.body.allocations as { id: string }[])[0];
    const cer = await t().http().post('/api/v1/ceremonies').set(h).send({
      title: '追回资金发还仪式',
      heldOn: chinaDay(),
      venue: '分局三楼会议室',
    });
    assert.equal(cer.status, 201, JSON.stringify(cer.body));
    await t()
      .http()
      .post(`/api/v1/ceremonies/${cer.body.id}/allocations`)
      .set(h)
      .send({ allocationIds: [alloc.id] })
      .expect(200);
    await t()
      .http()
      .post(`/api/v1/ceremonies/${cer.body.id}/allocations/${alloc.id}/sign`)
      .set(h)
      .send({ idNumber: c.idNumber })
      .expect(200);
    return true;
  }

  /** A flag from ICBC paying into `card` (a hit when it is a case's), or into an unknown account. */
  async function flag(card: string | null, amountFen: number) {
    const n = ++seq;
    const res = await t()
      .http()
      .post('/api/v1/transfer-flags')
      .set(await as('liu.icbc'))
      .send({
        payerAccount: '6212262402001234567',
        payerName: '王某某',
        payeeAccount: card ?? `6230${String(n).padStart(15, '0')}`,
        payeeName: '李某',
        payeeBank: '中国工商银行',
        amountFen,
        occurredAt: new Date(now() - 60_000).toISOString(),
        reason: '客户首次向陌生个人账户大额转账',
        externalRef: `STATS-${n}-${Date.now()}`,
      });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  /** chen.community's warning, approved by wu.supervisor and published. */
  async function publishWarning(fraudType: string) {
    const chen = await as('chen.community');
    const w = await t()
      .http()
      .post('/api/v1/warnings')
      .set(chen)
      .send({
        title: `预警 ${++seq}`,
        fraudType,
        severity: 'severe',
        body: '近期辖区多发此类诈骗。',
        targetUnitIds: [await unitIdOf('GY-YY-QL')],
      });
    assert.equal(w.status, 201, JSON.stringify(w.body));
    await t()
      .http()
      .post(`/api/v1/warnings/${w.body.id}/approve`)
      .set(await as('wu.supervisor'))
      .expect(200);
    const p = await t().http().post(`/api/v1/warnings/${w.body.id}/publish`).set(chen).send({});
    assert.equal(p.status, 200, JSON.stringify(p.body));
    return w.body.id as string;
  }

  return {
    as,
    now,
    chinaDay,
    get,
    checkAll,
    fileCase,
    move,
    order,
    recoverAndReturn,
    flag,
    publishWarning,
    unitIdOf,
  };
}
