// OutboxRepository against real PostgreSQL: the relay's claim (due rows only, in id order, two
// relays never holding the same row), the marks, the purge, and the claim's plan.
import { afterAll, beforeAll, beforeEach, describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { CLAIM_DUE_SQL, OutboxRepository } from '../../../src/common/outbox/outbox.repository.js';
import { explain, openRepoDb, planSummary, type RepoDb } from '../repo-db.js';
import { outboxRows } from './factories.js';

describe('OutboxRepository', () => {
  let db: RepoDb;
  const repo = new OutboxRepository();

  beforeAll(async () => {
    db = await openRepoDb();
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await db.admin.query('DELETE FROM outbox');
  });

  const states = async (ids: string[]) =>
    (await db.admin.query(
      `SELECT id::text, attempts, last_error, sent_at IS NOT NULL AS sent,
              extract(epoch FROM available_at - now()) * 1000 AS due_in_ms
       FROM outbox WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [ids],
    )) as {
      id: string;
      attempts: number;
      last_error: string | null;
      sent: boolean;
      due_in_ms: number;
    }[];

  it('inserts nothing for no rows, and the rows in order with their payloads', async () => {
    assert.deepEqual(await db.ds.transaction((em) => repo.insert(em, [])), []);
    const ids = await db.ds.transaction((em) =>
      repo.insert(em, [
        { queue: 'q1', jobName: 'a', payload: { x: 1, s: '中文' }, delayMs: 0 },
        { queue: 'q2', jobName: 'b', payload: {}, delayMs: 1500 },
      ]),
    );
    assert.equal(ids.length, 2);
    assert.ok(BigInt(ids[0]) < BigInt(ids[1]));
    const rows = (await db.admin.query(
      'SELECT id::text, queue, job_name, payload, delay_ms FROM outbox ORDER BY id',
    )) as unknown[];
    assert.deepEqual(JSON.parse(JSON.stringify(rows)), [
      { id: ids[0], queue: 'q1', job_name: 'a', payload: { x: 1, s: '中文' }, delay_ms: 0 },
      { id: ids[1], queue: 'q2', job_name: 'b', payload: {}, delay_ms: 1500 },
    ]);
  });

  it('claims due, unsent rows in id order up to the limit; not later ones, not sent ones', async () => {
    const [due1, , due2, due3] = await outboxRows(db.admin, [
      { availableInMs: -1000 },
      { availableInMs: 60_000 },
      {},
      {},
      { sentHoursAgo: 1 },
    ]);
    const claimed = await db.ds.transaction((em) => repo.claimDue(em, 2));
    assert.deepEqual(
      claimed.map((r) => [r.id, r.queue, r.job_name, r.attempts, r.delay_ms]),
      [
        [due1, 'repo-test', 'repo-test-job', 0, 0],
        [due2, 'repo-test', 'repo-test-job', 0, 0],
      ],
    );
    const all = await db.ds.transaction((em) => repo.claimDue(em, 100));
    assert.deepEqual(
      all.map((r) => r.id),
      [due1, due2, due3],
    );
  });

  it('claims nothing from an empty outbox', async () => {
    assert.deepEqual(await db.ds.transaction((em) => repo.claimDue(em, 10)), []);
  });

  it('two relays at once never claim the same row (SKIP LOCKED), and neither waits', async () => {
    const ids = await outboxRows(db.admin, [{}, {}, {}, {}, {}]);
    const first = db.ds.createQueryRunner();
    const second = db.ds.createQueryRunner();
    try {
      await first.connect();
      await second.connect();
      await first.startTransaction();
      await second.startTransaction();
      const a = await repo.claimDue(first.manager, 3);
      // The second relay must not block on the first one's locks: a wait would time out here.
      await second.query("SET LOCAL lock_timeout = '2s'");
      const b = await repo.claimDue(second.manager, 10);
      assert.deepEqual(
        a.map((r) => r.id),
        ids.slice(0, 3),
      );
      assert.deepEqual(
        b.map((r) => r.id),
        ids.slice(3),
      );
      // Once the first relay rolls back (a failed add), its rows are claimable again.
      await first.rollbackTransaction();
      await second.commitTransaction();
      const again = await db.ds.transaction((em) => repo.claimDue(em, 10));
      assert.deepEqual(
        again.map((r) => r.id),
        ids,
      );
    } finally {
      await first.release();
      await second.release();
    }
  });

  it('marks rows sent (clearing their error): they are no longer pending or claimed', async () => {
    const [sent, failed, kept] = await outboxRows(db.admin, [{}, {}, {}]);
    await db.ds.transaction((em) => repo.markFailed(em, [failed], 'queue store down'));
    await db.admin.query('UPDATE outbox SET available_at = now() WHERE id = $1', [failed]);
    assert.equal(await repo.pendingCount(db.ds.manager), 3);
    await db.ds.transaction((em) => repo.markSent(em, [sent, failed]));
    assert.equal(await repo.pendingCount(db.ds.manager), 1);
    const rows = await states([sent, failed, kept]);
    assert.deepEqual(
      rows.map((r) => [r.id, r.sent, r.last_error]),
      [
        [sent, true, null],
        [failed, true, null],
        [kept, false, null],
      ],
    );
    const claimed = await db.ds.transaction((em) => repo.claimDue(em, 10));
    assert.deepEqual(
      claimed.map((r) => r.id),
      [kept],
    );
    // No ids: nothing changes.
    await db.ds.transaction((em) => repo.markSent(em, []));
    assert.equal(await repo.pendingCount(db.ds.manager), 1);
  });

  it('backs failed rows off exponentially from 250 ms, capped at 10 s, and keeps 1,000 characters of the error', async () => {
    const [id] = await outboxRows(db.admin, [{}]);
    const backoffs: number[] = [];
    for (let i = 0; i < 8; i++) {
      // Read back in the same transaction: now() is the same instant the UPDATE used.
      const [row] = await db.ds.transaction(async (em) => {
        await repo.markFailed(em, [id], 'x'.repeat(5000));
        return (await em.query(
          `SELECT attempts, length(last_error) AS len,
                  extract(epoch FROM available_at - now()) * 1000 AS due_in_ms
           FROM outbox WHERE id = $1`,
          [id],
        )) as { attempts: number; len: number; due_in_ms: string }[];
      });
      assert.equal(row.attempts, i + 1);
      assert.equal(row.len, 1000);
      backoffs.push(Number(row.due_in_ms));
    }
    assert.deepEqual(backoffs, [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    // Backed off: not due, so not claimed.
    assert.deepEqual(await db.ds.transaction((em) => repo.claimDue(em, 10)), []);
  });

  it('purges only rows sent longer ago than asked; unsent rows stay however old', async () => {
    const [old, recent, unsent] = await outboxRows(db.admin, [
      { sentHoursAgo: 30 },
      { sentHoursAgo: 2 },
      { availableInMs: -48 * 3600_000 },
    ]);
    await repo.purgeSent(db.ds.manager, 24);
    const left = (await db.admin.query('SELECT id::text FROM outbox ORDER BY id')) as {
      id: string;
    }[];
    assert.deepEqual(
      left.map((r) => r.id),
      [recent, unsent],
    );
    assert.ok(!left.some((r) => r.id === old));
  });

  it('counts zero pending in an empty outbox', async () => {
    assert.equal(await repo.pendingCount(db.ds.manager), 0);
  });

  it('plan: the claim reads the partial index of unsent rows, never the whole table', async () => {
    // A long history of sent rows and a small backlog: what a running system's outbox looks like.
    await db.admin.query(
      `INSERT INTO outbox (queue, job_name, payload, delay_ms, sent_at)
       SELECT 'repo-test', 'repo-test-job', '{}'::jsonb, 0, now() FROM generate_series(1, 50000)`,
    );
    await outboxRows(
      db.admin,
      Array.from({ length: 40 }, (_, i) => ({ availableInMs: i % 2 ? -1000 : 60_000 })),
    );
    await db.admin.query('ANALYZE outbox');
    const plan = planSummary(await explain(db.ds, CLAIM_DUE_SQL, [5000]));
    assert.deepEqual(plan, { indexes: ['outbox_pending_idx'], seqScans: [] });
  });
});
