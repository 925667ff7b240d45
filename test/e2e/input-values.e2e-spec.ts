import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Response } from 'supertest';
import { flag, newCase } from '../builders.js';
import { bootApp, TestApp, USERS } from '../harness.js';

type H = { authorization: string };

/** A 400 in the one error shape whose details name `field`. */
function assertNames(res: Response, field: string, what = ''): void {
  assert.equal(res.status, 400, `${what} ${res.status} ${res.text}`);
  const details = res.body.details as { field: string; problem: string }[];
  assert.ok(
    details.some((d) => d.field === field),
    `${what}: ${field} not in ${JSON.stringify(details)}`,
  );
  assert.equal(res.body.requestId, res.headers['x-request-id']);
}

/** Not RFC 3339 date-times: a year, a basic date, a week date, an ordinal date, no offset. */
const NOT_DATE_TIMES = ['0000', '20261121', '2026-W47', '2026-325', '2026-11-21T09:30:00'];

describe('null and date-times in request bodies', () => {
  let t: TestApp;
  let officer: H;
  let caseId: string;
  const auth = async (username: string): Promise<H> => ({
    authorization: `Bearer ${await t.token(username)}`,
  });
  const getCase = async () => {
    const res = await t.http().get(`/api/v1/cases/${caseId}`).set(officer);
    assert.equal(res.status, 200, res.text);
    return res.body as Record<string, unknown>;
  };

  beforeAll(async () => {
    t = await bootApp('postgres');
    officer = await auth(USERS.officer);
    const res = await t.http().post('/api/v1/cases').set(officer).send(newCase()).expect(201);
    caseId = res.body.id as string;
  });
  afterAll(() => t.close());

  it('PATCH /cases/:id with null summary, fraudType or officerId is a 400 naming it; nothing changes', async () => {
    const before = await getCase();
    for (const field of ['summary', 'fraudType', 'officerId']) {
      const res = await t
        .http()
        .patch(`/api/v1/cases/${caseId}`)
        .set(officer)
        .send({ [field]: null });
      assertNames(res, field);
      assert.deepEqual(
        (res.body.details as { field: string }[]).map((d) => d.field),
        [field],
      );
    }
    assert.deepEqual(await getCase(), before);
  });

  it('a date-time that is not RFC 3339 with an offset is a 400 naming it, on create and PATCH', async () => {
    for (const value of NOT_DATE_TIMES) {
      const created = await t
        .http()
        .post('/api/v1/cases')
        .set(officer)
        .send({ ...newCase(), reportedAt: value });
      assertNames(created, 'reportedAt', value);
      assert.match(created.body.details[0].problem, /RFC 3339/);
      const transfer = await t
        .http()
        .post('/api/v1/cases')
        .set(officer)
        .send({
          ...newCase(),
          transfers: [{ ...newCase().transfers[0], transferredAt: value }],
        });
      assertNames(transfer, 'transfers.0.transferredAt', value);
    }
    const before = await getCase();
    for (const value of [...NOT_DATE_TIMES, '0001-01-01T00:00:00Z', '2026-02-30T10:00:00+08:00']) {
      const res = await t
        .http()
        .patch(`/api/v1/cases/${caseId}`)
        .set(officer)
        .send({ occurredAt: value });
      assertNames(res, 'occurredAt', value);
    }
    // Nothing was stored: the case still reads, for everyone, as before.
    assert.deepEqual(await getCase(), before);
    const list = await t.http().get('/api/v1/cases').set(officer);
    assert.equal(list.status, 200);
  });

  it('when a fraud happened or was reported lies between 2000-01-01 and a day from now', async () => {
    const tooEarly = await t
      .http()
      .post('/api/v1/cases')
      .set(officer)
      .send({ ...newCase(), reportedAt: '1999-12-31T23:59:59+08:00' });
    assertNames(tooEarly, 'reportedAt');
    assert.match(tooEarly.body.details[0].problem, /not be before 2000-01-01/);
    const later = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const tooLate = await t
      .http()
      .patch(`/api/v1/cases/${caseId}`)
      .set(officer)
      .send({ occurredAt: later });
    assertNames(tooLate, 'occurredAt');
    assert.match(tooLate.body.details[0].problem, /1 day from now/);
    const ok = await t
      .http()
      .patch(`/api/v1/cases/${caseId}`)
      .set(officer)
      .send({ occurredAt: '2026-11-20t06:00:00.5z' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.occurredAt, '2026-11-20T06:00:00.500Z');
  });

  it('occurredAt is clearable: null stores no time, and the case still reads', async () => {
    const res = await t
      .http()
      .patch(`/api/v1/cases/${caseId}`)
      .set(officer)
      .send({ occurredAt: null });
    assert.equal(res.status, 200, res.text);
    assert.equal((await getCase()).occurredAt, null);
  });

  it('POST /cases/:id/victims with a null idNumber (or other optional field) is a 400 naming it', async () => {
    const before = await getCase();
    for (const field of ['idNumber', 'phone', 'address', 'communityUnitId']) {
      const res = await t
        .http()
        .post(`/api/v1/cases/${caseId}/victims`)
        .set(officer)
        .send({ name: '李四', [field]: null });
      assertNames(res, field);
    }
    const nested = await t
      .http()
      .post('/api/v1/cases')
      .set(officer)
      .send({ ...newCase(), victims: [{ name: '李四', idNumber: null }] });
    assertNames(nested, 'victims.0.idNumber');
    assert.deepEqual(await getCase(), before);
  });

  it('PATCH /users/:id with a null displayName (or role, unit, disabled, password) is a 400; a null phone clears it', async () => {
    const admin = await auth(USERS.admin);
    const [{ id }] = (await t.db.query('SELECT id FROM users WHERE username = $1', [
      USERS.officer,
    ])) as { id: string }[];
    for (const field of ['displayName', 'role', 'unitId', 'disabled', 'password']) {
      const res = await t
        .http()
        .patch(`/api/v1/users/${id}`)
        .set(admin)
        .send({ [field]: null });
      assertNames(res, field);
    }
    const [row] = (await t.db.query('SELECT display_name, disabled_at FROM users WHERE id = $1', [
      id,
    ])) as { display_name: string; disabled_at: Date | null }[];
    assert.ok(row.display_name);
    assert.equal(row.disabled_at, null);
    const cleared = await t.http().patch(`/api/v1/users/${id}`).set(admin).send({ phone: null });
    assert.equal(cleared.status, 200, cleared.text);
    assert.equal(cleared.body.phone, null);
  });

  it('PATCH /coordinators/:id with any field null is a 400 naming it; the coordinator still reads', async () => {
    const chen = await auth(USERS.community);
    const [{ id: community }] = (await t.db.query(
      "SELECT id FROM units WHERE code = 'GY-YY-QL-DS'",
    )) as { id: string }[];
    const created = await t.http().post('/api/v1/coordinators').set(chen).send({
      name: '王阿姨',
      phone: '13700002222',
      communityId: community,
      groupName: '东山社区老年人群',
      channel: 'manual',
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    const fields = [
      'name',
      'phone',
      'groupName',
      'groupSize',
      'channel',
      'webhookUrl',
      'webhookSecret',
      'enabled',
    ];
    for (const field of fields) {
      const res = await t
        .http()
        .patch(`/api/v1/coordinators/${id}`)
        .set(chen)
        .send({ [field]: null });
      assertNames(res, field);
    }
    const after = await t.http().get(`/api/v1/coordinators/${id}`).set(chen);
    assert.equal(after.status, 200);
    assert.deepEqual(after.body, created.body);
  });

  it('other date fields: flags, warnings, recoveries and ceremonies refuse what is not a date', async () => {
    const icbc = await auth(USERS.icbc);
    for (const value of ['0000', '2026-W47', '1999-01-01T00:00:00Z']) {
      const res = await t
        .http()
        .post('/api/v1/transfer-flags')
        .set(icbc)
        .send(flag('DATES-1', { occurredAt: value }));
      assertNames(res, 'occurredAt', value);
    }
    const supervisor = await auth(USERS.supervisor);
    const warning = await t
      .http()
      .post('/api/v1/warnings')
      .set(supervisor)
      .send({
        title: '警惕刷单返利',
        body: '正文',
        fraudType: 'task_rebate',
        severity: 'severe',
        targetUnitIds: ['00000000-0000-4000-8000-000000000000'],
        publishAt: '2026-325',
      });
    assertNames(warning, 'publishAt');
    for (const recoveredOn of ['0000-01-01', '2026-W47-1', '20261121', '2026-02-30']) {
      const res = await t.http().post('/api/v1/recoveries').set(supervisor).send({
        orderId: '00000000-0000-4000-8000-000000000000',
        amountFen: 100,
        recoveredOn,
        legalBasis: '依法返还',
      });
      assertNames(res, 'recoveredOn', recoveredOn);
    }
    const ceremony = await t
      .http()
      .post('/api/v1/ceremonies')
      .set(supervisor)
      .send({ title: '发还仪式', heldOn: '0001-01-01', venue: '会议室' });
    assertNames(ceremony, 'heldOn');
  });
});
