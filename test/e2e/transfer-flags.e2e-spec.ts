import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from '@jest/globals';
import { DissuasionSlaHandler } from '../../src/cases/dissuasions/jobs/dissuasion-sla.job.js';
import { QueueService } from '../../src/common/queue/queue.service.js';
import { flag, newCase } from '../builders.js';
import { bootApp, DEMO_PASSWORD, describeEachBackend, TestApp, USERS } from '../harness.js';

const CARD = '6222021234567890128';
const MASKED_CARD = '622202*********0128';
const ICBC_NAME = '中国工商银行贵阳分行';
/** A supervisor (大队长) of li.officer's brigade, created by the test: the demo data has none there. */
const BRIGADE_SUPERVISOR = 'zhou.supervisor';

/** The batch of the issue: a match, its duplicate, an invalid card, an unrelated transfer. */
const BATCH = {
  flags: [
    flag('ICBC-20261121-0001'),
    flag('ICBC-20261121-0001'),
    flag('ICBC-20261121-0002', { payeeAccount: '62-abc' }),
    flag('ICBC-20261121-0003', { payeeAccount: '6217 0000 1000 2345 678', amountFen: 120_000 }),
  ],
};

interface Item {
  index: number;
  externalRef: string | null;
  status: string;
  id?: string;
  problems?: { field: string; problem: string }[];
  hits?: number;
  dissuasionId?: string;
}

interface Notice {
  kind: string;
  title: string;
  body: string;
  entity: string | null;
  entityId: string | null;
}

describeEachBackend('transfer flags and dissuasion (预警劝阻)', (backend) => {
  let t: TestApp;
  const as = async (user: string) => ({ authorization: `Bearer ${await t.token(user)}` });
  let caseId = '';
  let caseNo = '';
  let brigadeId = '';
  let firstItems: Item[] = [];
  let taskId = '';
  let draftCaseId = '';
  let apiKey = '';

  async function unitId(code: string): Promise<string> {
    const rows = (await t.db.query('SELECT id FROM units WHERE code = $1', [code])) as {
      id: string;
    }[];
    assert.equal(rows.length, 1, `unit ${code} is in the demo data`);
    return rows[0].id;
  }

  /**
   * Waits for the outbox and the queues. A dissuasion's SLA check waits 30 minutes in the queue:
   * it is promoted, so it runs now, finds its tasks not yet due and does nothing.
   */
  async function settle(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const [{ n }] = (await t.db.query(
        'SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL',
      )) as { n: number }[];
      if (n === 0) break;
      assert.ok(Date.now() < deadline, 'the outbox did not empty');
      await new Promise((r) => setTimeout(r, 50));
    }
    const sla = t.app.get(QueueService).queue('dissuasion-sla');
    for (const job of await sla.getJobs(['delayed'])) {
      assert.ok((job.delay ?? 0) >= 29 * 60_000, 'the SLA check is delayed by the due time');
      await job.promote();
    }
    await t.drain();
  }

  async function notices(username: string, kind: string): Promise<Notice[]> {
    const res = await t
      .http()
      .get('/api/v1/notifications?limit=100')
      .set(await as(username))
      .expect(200);
    return (res.body.items as Notice[]).filter((n) => n.kind === kind);
  }

  async function count(table: string): Promise<number> {
    const [{ n }] = (await t.db.query(`SELECT count(*)::int AS n FROM ${table}`)) as {
      n: number;
    }[];
    return n;
  }

  beforeAll(async () => {
    t = await bootApp(backend);
    brigadeId = await unitId('GY-YY-WA');
    await t
      .http()
      .post('/api/v1/users')
      .set(await as(USERS.admin))
      .send({
        username: BRIGADE_SUPERVISOR,
        displayName: '周队长',
        password: DEMO_PASSWORD,
        role: 'supervisor',
        unitId: brigadeId,
      })
      .expect(201);
    const res = await t
      .http()
      .post('/api/v1/cases')
      .set(await as(USERS.officer))
      .send(newCase())
      .expect(201);
    caseId = res.body.id as string;
    caseNo = res.body.caseNo as string;
  });
  afterAll(() => t.close());

  it('a bank liaison’s batch is answered flag by flag, in request order', async () => {
    const res = await t
      .http()
      .post('/api/v1/transfer-flags')
      .set(await as(USERS.icbc))
      .send(BATCH)
      .expect(200);
    const items = res.body.items as Item[];
    firstItems = items;
    assert.deepEqual(
      items.map((i) => [i.index, i.externalRef, i.status]),
      [
        [0, 'ICBC-20261121-0001', 'created'],
        [1, 'ICBC-20261121-0001', 'duplicate'],
        [2, 'ICBC-20261121-0002', 'invalid'],
        [3, 'ICBC-20261121-0003', 'created'],
      ],
    );
    assert.equal(items[0].hits, 1, 'the payee is the case’s bank card');
    assert.ok(items[0].dissuasionId, 'the hit opened a dissuasion task');
    assert.equal(items[1].id, items[0].id, 'a duplicate answers the flag it duplicates');
    assert.deepEqual(
      items[2].problems?.map((p) => p.field),
      ['payeeAccount'],
      JSON.stringify(items[2].problems),
    );
    assert.equal(items[2].id, undefined);
    assert.equal(items[3].hits, 0);
    assert.equal(items[3].dissuasionId, undefined);
    assert.deepEqual(res.body.totals, {
      received: 4,
      created: 2,
      duplicate: 1,
      invalid: 1,
      hits: 1,
      dissuasions: 1,
    });
    taskId = items[0].dissuasionId ?? '';

    const audit = (await t.db.query(
      "SELECT actor_role, details FROM audit_events WHERE action = 'transfer_flags.ingest'",
    )) as { actor_role: string; details: Record<string, number> }[];
    assert.equal(audit.length, 1, 'one audit row per batch');
    assert.equal(audit[0].actor_role, 'bank_liaison');
    assert.equal(audit[0].details.created, 2);
    assert.equal(audit[0].details.invalid, 1);
    assert.equal(audit[0].details.hits, 1);
  });

  it('the matching flag is one hit, with a high-risk task due 30 minutes later for the brigade', async () => {
    const hits = await t
      .http()
      .get('/api/v1/transfer-flags/hits')
      .set(await as(USERS.officer))
      .expect(200);
    assert.equal(hits.body.items.length, 1);
    const [hit] = hits.body.items;
    assert.equal(hit.caseId, caseId);
    assert.equal(hit.caseNo, caseNo);
    assert.equal(hit.flagId, firstItems[0].id);
    assert.equal(hit.payeeAccount, CARD);
    assert.equal(hit.amountFen, 6_000_000);
    assert.equal(hit.bankName, ICBC_NAME);
    assert.equal(hit.dissuasionId, taskId);

    const tasks = await t
      .http()
      .get('/api/v1/dissuasions?status=open')
      .set(await as(USERS.officer))
      .expect(200);
    assert.equal(tasks.body.items.length, 1);
    const [task] = tasks.body.items;
    assert.equal(task.id, taskId);
    assert.equal(task.riskGrade, 'high', '60,000 yuan is at least 50,000');
    assert.equal(task.status, 'open');
    assert.equal(task.unitId, brigadeId, 'assigned to the unit of the case following the account');
    assert.equal(task.payerAccount, '6212262402001234567');
    assert.equal(task.payerName, '王某某', 'officers see the payer');
    assert.equal(task.payeeAccount, CARD);
    assert.equal(
      new Date(task.dueAt).getTime() - new Date(task.createdAt).getTime(),
      30 * 60 * 1000,
    );
    assert.equal(task.firstContactAt, null);
    assert.equal(task.timeToFirstContactSeconds, null);
    assert.equal(task.overdue, false);
  });

  it('after the queues drain the officer has exactly one transfer_hit notification', async () => {
    await settle();
    const mine = await notices(USERS.officer, 'transfer_hit');
    assert.equal(mine.length, 1);
    assert.equal(mine[0].title, '可疑交易命中涉案账户');
    for (const part of [caseNo, MASKED_CARD, '60000.00元', ICBC_NAME, '风险高']) {
      assert.ok(mine[0].body.includes(part), `${part} in: ${mine[0].body}`);
    }
    assert.ok(!mine[0].body.includes(CARD), 'the account is masked in the text');
    assert.equal(mine[0].entity, 'case');
    assert.equal(mine[0].entityId, caseId);
    assert.equal((await notices(BRIGADE_SUPERVISOR, 'transfer_hit')).length, 1);
    assert.equal((await notices(USERS.officerNanming, 'transfer_hit')).length, 0);
    assert.equal((await notices(USERS.supervisor, 'transfer_hit')).length, 0);
    assert.equal(
      (await notices(BRIGADE_SUPERVISOR, 'dissuasion_overdue')).length,
      0,
      'the SLA check that ran early escalated nothing',
    );
  });

  it('re-posting the same batch creates nothing and notifies no one again', async () => {
    const res = await t
      .http()
      .post('/api/v1/transfer-flags')
      .set(await as(USERS.icbc))
      .send(BATCH)
      .expect(200);
    const items = res.body.items as Item[];
    assert.deepEqual(
      items.map((i) => i.status),
      ['duplicate', 'duplicate', 'invalid', 'duplicate'],
    );
    assert.equal(items[0].id, firstItems[0].id);
    assert.equal(items[3].id, firstItems[3].id);
    assert.equal(res.body.totals.created, 0);
    assert.equal(res.body.totals.hits, 0);
    await settle();
    assert.equal((await notices(USERS.officer, 'transfer_hit')).length, 1);
    assert.equal(await count('transfer_flags'), 2);
    assert.equal(await count('transfer_hits'), 1);
    assert.equal(await count('dissuasions'), 1);
  });

  it('a single flag is answered like a batch of one; an invalid one is a 400 naming the field', async () => {
    const ok = await t
      .http()
      .post('/api/v1/transfer-flags')
      .set(await as(USERS.icbc))
      .send(flag('ICBC-20261121-0004', { payeeAccount: '6217000010009999888' }))
      .expect(200);
    assert.equal(ok.body.items.length, 1);
    assert.equal(ok.body.items[0].status, 'created');
    assert.equal(ok.body.items[0].hits, 0);

    const bad = await t
      .http()
      .post('/api/v1/transfer-flags')
      .set(await as(USERS.icbc))
      .send(flag('ICBC-20261121-0005', { payeeAccount: '62-abc', amountFen: -1 }))
      .expect(400);
    assert.deepEqual(bad.body.details.map((d: { field: string }) => d.field).sort(), [
      'amountFen',
      'payeeAccount',
    ]);
  });

  it('a batch of 10,001 flags is a 400 naming flags', async () => {
    const flags = Array.from({ length: 10_001 }, (_, i) => flag(`BIG-${i}`));
    const res = await t
      .http()
      .post('/api/v1/transfer-flags')
      .set(await as(USERS.icbc))
      .send({ flags })
      .expect(400);
    assert.equal(res.body.details[0].field, 'flags');
    assert.match(res.body.details[0].problem, /at most 10000/);
    const empty = await t
      .http()
      .post('/api/v1/transfer-flags')
      .set(await as(USERS.icbc))
      .send({ flags: [] })
      .expect(400);
    assert.equal(empty.body.details[0].field, 'flags');
  });

  it('another bank sees none of ICBC’s flags; ICBC sees its own', async () => {
    const ccb = await t
      .http()
      .get('/api/v1/transfer-flags')
      .set(await as(USERS.ccb))
      .expect(200);
    assert.deepEqual(ccb.body.items, []);
    const icbc = await t
      .http()
      .get('/api/v1/transfer-flags?limit=2')
      .set(await as(USERS.icbc))
      .expect(200);
    assert.equal(icbc.body.items.length, 2);
    assert.ok(icbc.body.nextCursor, 'three flags: a second page');
    const next = await t
      .http()
      .get(`/api/v1/transfer-flags?limit=2&cursor=${icbc.body.nextCursor as string}`)
      .set(await as(USERS.icbc))
      .expect(200);
    assert.equal(next.body.items.length, 1);
    assert.equal(next.body.nextCursor, null);
    const all = [...icbc.body.items, ...next.body.items] as {
      externalRef: string;
      bankName: string;
    }[];
    assert.deepEqual(all.map((f) => f.externalRef).sort(), [
      'ICBC-20261121-0001',
      'ICBC-20261121-0003',
      'ICBC-20261121-0004',
    ]);
    assert.ok(all.every((f) => f.bankName === ICBC_NAME));
    const hitOnly = await t
      .http()
      .get('/api/v1/transfer-flags?hasHits=true')
      .set(await as(USERS.icbc))
      .expect(200);
    assert.deepEqual(
      hitOnly.body.items.map((f: { externalRef: string; hits: number }) => [f.externalRef, f.hits]),
      [['ICBC-20261121-0001', 1]],
    );
  });

  it('a bank API key sends flags as its bank and sees that bank’s flags, not the hits', async () => {
    const issued = await t
      .http()
      .post('/api/v1/api-keys')
      .set(await as(USERS.admin))
      .send({ unitId: await unitId('ICBC-GY'), name: '反欺诈系统可疑交易报送' })
      .expect(201);
    apiKey = issued.body.key as string;
    const res = await t
      .http()
      .post('/api/v1/transfer-flags')
      .set('x-api-key', apiKey)
      .send({ flags: [flag('ICBC-SYS-0001', { payeeAccount: '6217000010007777666' })] })
      .expect(200);
    assert.equal(res.body.items[0].status, 'created');
    const list = await t.http().get('/api/v1/transfer-flags').set('x-api-key', apiKey).expect(200);
    const refs = (list.body.items as { externalRef: string; submittedByKind: string }[]).map(
      (f) => f.externalRef,
    );
    assert.equal(refs.length, 4);
    assert.ok(refs.includes('ICBC-20261121-0001'), 'flags sent by the liaison too');
    assert.equal(list.body.items[0].externalRef, 'ICBC-SYS-0001', 'newest first');
    assert.equal(list.body.items[0].submittedByKind, 'api_key');
    await t.http().get('/api/v1/transfer-flags/hits').set('x-api-key', apiKey).expect(403);
    await t.http().get('/api/v1/dissuasions').set('x-api-key', apiKey).expect(403);
    await settle();
  });

  it('officers and supervisors see the hits and flags of their scope only', async () => {
    const hitsOf = async (user: string) =>
      (
        await t
          .http()
          .get('/api/v1/transfer-flags/hits')
          .set(await as(user))
          .expect(200)
      ).body.items as { caseId: string }[];
    assert.equal((await hitsOf(USERS.officer)).length, 1);
    assert.equal((await hitsOf(BRIGADE_SUPERVISOR)).length, 1);
    assert.equal((await hitsOf(USERS.admin)).length, 1);
    assert.equal((await hitsOf(USERS.officerNanming)).length, 0);
    assert.equal((await hitsOf(USERS.supervisor)).length, 0, '反诈中心 is not above 云岩分局');

    const flagsOf = async (user: string) =>
      (
        await t
          .http()
          .get('/api/v1/transfer-flags')
          .set(await as(user))
          .expect(200)
      ).body.items as { externalRef: string; payerName: string }[];
    assert.deepEqual(
      (await flagsOf(USERS.officer)).map((f) => f.externalRef),
      ['ICBC-20261121-0001'],
      'officers see the flags that hit their cases',
    );
    assert.deepEqual(await flagsOf(USERS.officerNanming), []);
    const adminFlags = await flagsOf(USERS.admin);
    assert.equal(adminFlags.length, 4, 'admins see every flag');
    assert.ok(
      adminFlags.every((f) => f.payerName === '王**'),
      'with the payer’s name masked',
    );

    const tasksOf = async (user: string) =>
      (
        await t
          .http()
          .get('/api/v1/dissuasions')
          .set(await as(user))
          .expect(200)
      ).body.items as { id: string }[];
    assert.equal((await tasksOf(USERS.officerNanming)).length, 0);
    assert.equal((await tasksOf(BRIGADE_SUPERVISOR)).length, 1);
    await t
      .http()
      .post(`/api/v1/dissuasions/${taskId}/contacts`)
      .set(await as(USERS.officerNanming))
      .send({ method: 'phone' })
      .expect(404);
  });

  it('community police are refused on every flag and dissuasion endpoint', async () => {
    const community = await as(USERS.community);
    const id = taskId;
    await t.http().post('/api/v1/transfer-flags').set(community).send(flag('X-1')).expect(403);
    await t.http().get('/api/v1/transfer-flags').set(community).expect(403);
    await t.http().get('/api/v1/transfer-flags/hits').set(community).expect(403);
    await t.http().get('/api/v1/dissuasions').set(community).expect(403);
    await t
      .http()
      .post(`/api/v1/dissuasions/${id}/contacts`)
      .set(community)
      .send({ method: 'phone' })
      .expect(403);
    await t
      .http()
      .post(`/api/v1/dissuasions/${id}/outcome`)
      .set(community)
      .send({ outcome: 'stopped' })
      .expect(403);
    // Officers do not send flags.
    await t
      .http()
      .post('/api/v1/transfer-flags')
      .set(await as(USERS.officer))
      .send(flag('X-2'))
      .expect(403);
  });

  it('a contact attempt sets the time to first contact; later ones do not move it', async () => {
    const first = await t
      .http()
      .post(`/api/v1/dissuasions/${taskId}/contacts`)
      .set(await as(USERS.officer))
      .send({ method: 'phone', note: '已电话联系付款人，对方称正在做“刷单”任务。' })
      .expect(201);
    assert.ok(first.body.firstContactAt);
    assert.equal(typeof first.body.timeToFirstContactSeconds, 'number');
    assert.ok(first.body.timeToFirstContactSeconds >= 0);
    assert.equal(first.body.contacts.length, 1);
    assert.equal(first.body.contacts[0].method, 'phone');
    const second = await t
      .http()
      .post(`/api/v1/dissuasions/${taskId}/contacts`)
      .set(await as(USERS.officer))
      .send({ method: 'bank_counter' })
      .expect(201);
    assert.equal(second.body.firstContactAt, first.body.firstContactAt);
    assert.equal(second.body.contacts.length, 2);
    await t
      .http()
      .post(`/api/v1/dissuasions/${taskId}/contacts`)
      .set(await as(USERS.officer))
      .send({ method: 'pigeon' })
      .expect(400);
  });

  it('already_paid closes the task and drafts a case linked to the card; a second outcome is a 409', async () => {
    const res = await t
      .http()
      .post(`/api/v1/dissuasions/${taskId}/outcome`)
      .set(await as(USERS.officer))
      .send({ outcome: 'already_paid', note: '付款人已完成转账' })
      .expect(200);
    assert.equal(res.body.status, 'closed');
    assert.equal(res.body.outcome, 'already_paid');
    assert.ok(res.body.closedAt);
    draftCaseId = res.body.draftCaseId as string;
    assert.ok(draftCaseId);

    const draft = await t
      .http()
      .get(`/api/v1/cases/${draftCaseId}`)
      .set(await as(USERS.officer))
      .expect(200);
    assert.equal(draft.body.status, 'reported');
    assert.equal(draft.body.fraudType, 'other');
    assert.equal(draft.body.unitId, brigadeId);
    assert.deepEqual(draft.body.victims, []);
    assert.match(draft.body.summary, /预警劝阻/);
    assert.ok(!String(draft.body.summary).includes('王某某'), 'no payer name in the narrative');
    const card = (draft.body.identifiers as { kind: string; value: string; role: string }[]).find(
      (i) => i.kind === 'bank_card',
    );
    assert.equal(card?.value, CARD);
    assert.equal(card?.role, 'receiving_account');

    await t
      .http()
      .post(`/api/v1/dissuasions/${taskId}/outcome`)
      .set(await as(USERS.officer))
      .send({ outcome: 'stopped' })
      .expect(409);
    await t
      .http()
      .post(`/api/v1/dissuasions/${taskId}/contacts`)
      .set(await as(USERS.officer))
      .send({ method: 'phone' })
      .expect(409);
    const closed = await t
      .http()
      .get('/api/v1/dissuasions?status=closed')
      .set(await as(USERS.officer))
      .expect(200);
    assert.deepEqual(
      closed.body.items.map((d: { id: string }) => d.id),
      [taskId],
    );
  });

  it('a task not contacted by its due time is escalated to the brigade’s supervisor, once', async () => {
    // The card is now named by two cases (the first and the draft): a small amount is medium risk.
    const res = await t
      .http()
      .post('/api/v1/transfer-flags')
      .set(await as(USERS.icbc))
      .send({ flags: [flag('ICBC-20261121-0006', { amountFen: 50_000 })] })
      .expect(200);
    const [item] = res.body.items as Item[];
    assert.equal(item.hits, 2);
    const lateId = item.dissuasionId ?? '';
    assert.ok(lateId);
    await settle();
    const tasks = await t
      .http()
      .get('/api/v1/dissuasions?status=open')
      .set(await as(USERS.officer))
      .expect(200);
    assert.equal(tasks.body.items[0].riskGrade, 'medium');

    const [event] = (await t.db.query(
      `SELECT id::text AS id FROM outbox
       WHERE job_name = 'dissuasion-sla-check' AND payload->'dissuasionIds' ? $1`,
      [lateId],
    )) as { id: string }[];
    assert.ok(event, 'the SLA check was enqueued through the outbox');
    const handler = t.app.get(DissuasionSlaHandler);
    const job = { id: `outbox-${event.id}` };
    assert.equal(await handler.handle({ dissuasionIds: [lateId] }, job), 0, 'not yet due: nothing');

    // 31 minutes pass without a contact.
    await t.db.query(
      `UPDATE dissuasions SET created_at = now() - interval '31 minutes',
         due_at = now() - interval '1 minute' WHERE id = $1`,
      [lateId],
    );
    assert.equal(await handler.handle({ dissuasionIds: [lateId, taskId] }, job), 1);
    assert.equal(
      await handler.handle({ dissuasionIds: [lateId, taskId] }, job),
      0,
      'a replay adds nothing',
    );
    const escalations = await notices(BRIGADE_SUPERVISOR, 'dissuasion_overdue');
    assert.equal(escalations.length, 1);
    assert.equal(escalations[0].entityId, lateId);
    assert.match(escalations[0].body, /仍未联系付款人/);
    assert.equal((await notices(USERS.officerNanming, 'dissuasion_overdue')).length, 0);

    const after = await t
      .http()
      .get('/api/v1/dissuasions?status=open')
      .set(await as(USERS.officer))
      .expect(200);
    assert.equal(after.body.items[0].id, lateId);
    assert.equal(after.body.items[0].overdue, true);
    assert.ok(after.body.items[0].escalatedAt);
    // The hit notification of this batch listed both cases to their officer in one message.
    const hitNotices = await notices(USERS.officer, 'transfer_hit');
    assert.equal(hitNotices.length, 2);
    assert.ok(hitNotices.some((n) => n.body.startsWith('2笔可疑交易')));
  });
});
