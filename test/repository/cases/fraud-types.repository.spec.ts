import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { FraudTypesRepository } from '../../../src/cases/fraud-types/fraud-types.repository.js';
import { openRepoDb, type RepoDb } from '../repo-db.js';

describe('FraudTypesRepository on PostgreSQL', () => {
  let db: RepoDb;
  let repo: FraudTypesRepository;

  beforeAll(async () => {
    db = await openRepoDb();
    repo = new FraudTypesRepository(db.ds);
  });
  afterAll(() => db.close());

  it('lists the migrated code list by first year, then code, with every column typed', async () => {
    const list = await repo.list();
    assert.ok(list.length > 5);
    const sorted = [...list].sort(
      (a, b) => a.valid_from - b.valid_from || (a.code < b.code ? -1 : 1),
    );
    assert.deepEqual(
      list.map((t) => t.code),
      sorted.map((t) => t.code),
    );
    const rebate = list.find((t) => t.code === 'task_rebate');
    assert.ok(rebate);
    assert.equal(rebate.label_zh, '刷单返利');
    assert.equal(typeof rebate.valid_from, 'number');
    assert.ok(rebate.typical_script.length > 0);
  });

  it('byCode: one row, or null for an unknown code', async () => {
    assert.equal((await repo.byCode('task_rebate'))?.label_zh, '刷单返利');
    assert.equal(await repo.byCode('no_such_code'), null);
  });

  it('exists: a listed code yes, anything else (or another case) no', async () => {
    assert.equal(await repo.exists('task_rebate'), true);
    assert.equal(await repo.exists('TASK_REBATE'), false);
    assert.equal(await repo.exists(''), false);
  });
});
