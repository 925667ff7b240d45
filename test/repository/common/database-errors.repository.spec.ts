// Errors PostgreSQL raises when concurrent writes meet, as the API answers them: a real deadlock
// between two transactions (the shape concurrent writers of the same statistics rollup rows can
// take), mapped by the one error filter to a 503 with Retry-After instead of a 500.
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { QueryFailedError } from 'typeorm';
import { fromDatabase } from '../../../src/common/http/all-exceptions.filter.js';
import { openRepoDb, type RepoDb } from '../repo-db.js';

describe('database errors of concurrent writers', () => {
  let db: RepoDb;
  beforeAll(async () => {
    db = await openRepoDb();
    await db.admin.query(
      'CREATE TABLE deadlock_probe (id int PRIMARY KEY, n int NOT NULL); INSERT INTO deadlock_probe VALUES (1, 0), (2, 0)',
    );
  });
  afterAll(() => db.close());

  it('a deadlock aborts one transaction, saves nothing of it, and is a 503 to retry', async () => {
    const a = db.admin.createQueryRunner();
    const b = db.admin.createQueryRunner();
    await Promise.all([a.connect(), b.connect()]);
    try {
      await a.startTransaction();
      await b.startTransaction();
      await a.query('UPDATE deadlock_probe SET n = n + 1 WHERE id = 1');
      await b.query('UPDATE deadlock_probe SET n = n + 1 WHERE id = 2');
      // Each now waits for the row the other holds: PostgreSQL aborts one after deadlock_timeout.
      const results = await Promise.allSettled([
        a.query('UPDATE deadlock_probe SET n = n + 1 WHERE id = 2'),
        b.query('UPDATE deadlock_probe SET n = n + 1 WHERE id = 1'),
      ]);
      const failed = results.filter((r) => r.status === 'rejected');
      assert.equal(failed.length, 1, 'exactly one of the two is the deadlock victim');
      const err = (failed[0] as PromiseRejectedResult).reason as unknown;
      assert.ok(err instanceof QueryFailedError, String(err));
      assert.deepEqual(fromDatabase(err), {
        status: 503,
        message: 'A concurrent change got in the way; nothing was saved. Please retry.',
        details: [],
        headers: { 'retry-after': '1' },
      });
      const victim = results[0].status === 'rejected' ? a : b;
      const survivor = victim === a ? b : a;
      await victim.rollbackTransaction();
      await survivor.commitTransaction();
      // The survivor's two updates are saved; nothing of the victim's. (Read on the survivor's
      // connection: the two runners hold both of this pool's connections.)
      const rows = (await survivor.query('SELECT id, n FROM deadlock_probe ORDER BY id')) as {
        id: number;
        n: number;
      }[];
      assert.deepEqual(
        rows.map((r) => r.n),
        [1, 1],
      );
    } finally {
      await Promise.all([a.release(), b.release()]);
    }
  });
});
