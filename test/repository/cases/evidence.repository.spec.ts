import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import {
  EvidenceRepository,
  type NewEvidence,
} from '../../../src/cases/evidence/evidence.repository.js';
import { openRepoDb, type RepoDb } from '../repo-db.js';
import { makeCase, unique } from './factories.js';

describe('EvidenceRepository on PostgreSQL', () => {
  let db: RepoDb;
  let repo: EvidenceRepository;
  let uploader: string;

  beforeAll(async () => {
    db = await openRepoDb();
    repo = new EvidenceRepository(db.ds);
    uploader = await db.userId('li.officer');
  });
  afterAll(() => db.close());

  const evidence = (caseId: string, o: Partial<NewEvidence> = {}): NewEvidence => ({
    caseId,
    filename: '转账截图.png',
    contentType: 'image/png',
    sizeBytes: 5_000_000_000, // past 2^32: bigint
    sha256: 'a'.repeat(64),
    storageKey: unique('key-'),
    description: null,
    uploadedBy: uploader,
    ...o,
  });

  it('insert answers the row (bigint size as text); listForCase in upload order; findInCase by both ids', async () => {
    const c = await makeCase(db);
    const d = await makeCase(db);
    const first = await db.ds.transaction((em) => repo.insert(em, evidence(c.id)));
    assert.equal(first.size_bytes, '5000000000');
    assert.equal(first.filename, '转账截图.png');
    assert.ok(first.created_at instanceof Date);
    const second = await db.ds.transaction((em) =>
      repo.insert(em, evidence(c.id, { description: '聊天记录' })),
    );
    assert.deepEqual(
      (await repo.listForCase(c.id)).map((e) => e.id),
      [first.id, second.id],
    );
    assert.deepEqual(await repo.listForCase(d.id), []);
    assert.equal((await repo.findInCase(c.id, second.id))?.description, '聊天记录');
    assert.equal(await repo.findInCase(d.id, second.id), null); // another case's evidence
  });

  it('a storage key is used once (UNIQUE)', async () => {
    const c = await makeCase(db);
    const e = evidence(c.id);
    await db.ds.transaction((em) => repo.insert(em, e));
    await assert.rejects(
      db.ds.transaction((em) => repo.insert(em, e)),
      /duplicate key/,
    );
  });
});
