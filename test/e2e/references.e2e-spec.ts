import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { bootApp, TestApp, USERS } from '../harness.js';

interface Problem {
  field: string;
  problem: string;
}

const newCase = (victims: Record<string, unknown>[]) => ({
  fraudType: 'task_rebate',
  summary: '受害人被诱导向对方银行卡转账。',
  reportedAt: '2026-11-21T09:30:00+08:00',
  victims,
});

describe('references in a body: a missing or wrong unit is a 400 naming the field', () => {
  let t: TestApp;
  const as = async (user: string) => ({ authorization: `Bearer ${await t.token(user)}` });
  const unitId = async (code: string) =>
    ((await t.db.query('SELECT id FROM units WHERE code = $1', [code])) as { id: string }[])[0].id;
  const count = async (table: string) =>
    ((await t.db.query(`SELECT count(*)::int AS n FROM ${table}`)) as { n: number }[])[0].n;

  /** A 400 naming exactly `field`, in plain words: no constraint, table or key echoed. */
  function plain400(res: { status: number; body: Record<string, unknown> }, field: string): void {
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.deepEqual(
      (res.body.details as Problem[]).map((d) => d.field),
      [field],
    );
    const text = JSON.stringify(res.body);
    assert.doesNotMatch(text, /fkey|constraint|Key \(|is not present in table|_id\b/);
  }

  beforeAll(async () => {
    t = await bootApp('postgres');
  });
  afterAll(() => t.close());

  it('a victim’s community that does not exist is a 400 naming it, and nothing is saved', async () => {
    const officer = await as(USERS.officer);
    const before = await count('cases');
    const missing = randomUUID();
    const res = await t
      .http()
      .post('/api/v1/cases')
      .set(officer)
      .send(newCase([{ name: '张三' }, { name: '李四', communityUnitId: missing }]));
    plain400(res, 'victims[1].communityUnitId');
    assert.equal(res.body.details[0].problem, 'does not name an existing unit');
    assert.ok(!JSON.stringify(res.body).includes(missing));
    assert.equal(await count('cases'), before);

    const c = await t.http().post('/api/v1/cases').set(officer).send(newCase([])).expect(201);
    const victims = await count('victims');
    const added = await t
      .http()
      .post(`/api/v1/cases/${c.body.id}/victims`)
      .set(officer)
      .send({ name: '王五', communityUnitId: missing });
    plain400(added, 'communityUnitId');
    assert.equal(await count('victims'), victims);
  });

  it('a bank or a brigade is not a victim’s community; a community of any area is', async () => {
    const officer = await as(USERS.officer);
    for (const code of ['ICBC-GY', 'GY-YY-WA', 'GY-YY-QL']) {
      const res = await t
        .http()
        .post('/api/v1/cases')
        .set(officer)
        .send(newCase([{ name: '张三', communityUnitId: await unitId(code) }]));
      plain400(res, 'victims[0].communityUnitId');
      assert.match(res.body.details[0].problem, /^must be a community \(社区\) unit, not \w+$/);
    }
    const c = await t.http().post('/api/v1/cases').set(officer).send(newCase([])).expect(201);
    const bank = await t
      .http()
      .post(`/api/v1/cases/${c.body.id}/victims`)
      .set(officer)
      .send({ name: '王五', communityUnitId: await unitId('ICBC-GY') });
    plain400(bank, 'communityUnitId');

    // 东山社区 in the officer's area, 新华社区 in 南明's: a victim may live anywhere.
    for (const code of ['GY-YY-QL-DS', 'GY-NM-HX-XH']) {
      const community = await unitId(code);
      const res = await t
        .http()
        .post('/api/v1/cases')
        .set(officer)
        .send(newCase([{ name: '张三', communityUnitId: community }]));
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.victims[0].communityUnitId, community);
    }
  });

  it('other bodies naming a unit that does not exist are 400s naming the field too', async () => {
    const c = await t
      .http()
      .post('/api/v1/cases')
      .set(await as(USERS.officer))
      .send({
        ...newCase([]),
        identifiers: [{ kind: 'bank_card', value: '6222021234567890128' }],
      })
      .expect(201);
    const order = await t
      .http()
      .post('/api/v1/freeze-orders')
      .set(await as(USERS.officer))
      .send({
        kind: 'freeze',
        caseId: c.body.id,
        identifierId: c.body.identifiers[0].id,
        bankUnitId: randomUUID(),
        requestedFen: 100,
      });
    plain400(order, 'bankUnitId');
    const user = await t
      .http()
      .post('/api/v1/users')
      .set(await as(USERS.admin))
      .send({
        username: 'new.officer',
        displayName: '新民警',
        password: 'a-long-password-1',
        role: 'officer',
        unitId: randomUUID(),
      });
    plain400(user, 'unitId');
  });
});
