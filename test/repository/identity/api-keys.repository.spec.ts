import { describe, it, beforeAll, afterAll } from '@jest/globals';
import assert from 'node:assert/strict';
import { ApiKeysRepository } from '../../../src/identity/api-keys/api-keys.repository.js';
import { ApiKey } from '../../../src/identity/api-keys/entities/api-key.entity.js';
import { openRepoDb, type RepoDb } from '../repo-db.js';
import { actorOf, makeApiKey, makeUnit } from './factories.js';

describe('ApiKeysRepository', () => {
  let db: RepoDb;
  let repo: ApiKeysRepository;
  let adminId: string;
  beforeAll(async () => {
    db = await openRepoDb([ApiKey]);
    repo = new ApiKeysRepository(db.ds.getRepository(ApiKey));
    adminId = await db.userId('admin');
  });
  afterAll(() => db.close());

  it('inserts a key, finds it by id and by prefix with its unit’s path', async () => {
    const bank = await makeUnit(db.admin, { kind: 'bank' });
    const saved = await db.ds.transaction((em) =>
      repo.insert(em, {
        unitId: bank.id,
        name: '核心系统',
        keyPrefix: 'jwk_t0000001',
        keyHash: 'h',
        createdBy: adminId,
      }),
    );
    assert.equal(saved.revokedAt, null);
    assert.equal((await repo.findById(saved.id))?.name, '核心系统');
    const found = await repo.findByPrefix('jwk_t0000001');
    assert.deepEqual(found, {
      id: saved.id,
      name: '核心系统',
      keyHash: 'h',
      unitId: bank.id,
      unitPath: bank.path,
      revokedAt: null,
    });
    assert.equal(await repo.findByPrefix('jwk_nothing'), null);
  });

  it('revokes a key once: the second revocation finds nothing to revoke', async () => {
    const bank = await makeUnit(db.admin, { kind: 'bank' });
    const key = await makeApiKey(db.admin, { unitId: bank.id, createdBy: adminId });
    const at = new Date('2026-11-01T08:00:00Z');
    const revoked = await db.ds.transaction((em) => repo.revoke(em, key.id, at));
    assert.equal(revoked?.revokedAt?.toISOString(), at.toISOString());
    assert.equal(await db.ds.transaction((em) => repo.revoke(em, key.id, new Date())), null);
    assert.equal((await repo.findById(key.id))?.revokedAt?.toISOString(), at.toISOString());
  });

  it('records use at most once a minute', async () => {
    const bank = await makeUnit(db.admin, { kind: 'bank' });
    const key = await makeApiKey(db.admin, { unitId: bank.id, createdBy: adminId });
    await repo.touch(key.id);
    const first = (await repo.findById(key.id))?.lastUsedAt;
    assert.ok(first);
    await repo.touch(key.id);
    assert.equal((await repo.findById(key.id))?.lastUsedAt?.getTime(), first.getTime());
    await db.admin.query(
      "UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE id = $1",
      [key.id],
    );
    await repo.touch(key.id);
    assert.ok(((await repo.findById(key.id))?.lastUsedAt?.getTime() ?? 0) > first.getTime() - 1);
  });

  it('lists the keys of the caller’s scope by prefix, filtered by unit, in pages', async () => {
    const bank = await makeUnit(db.admin, { kind: 'bank' });
    const other = await makeUnit(db.admin, { kind: 'bank' });
    for (const p of ['jwk_l03', 'jwk_l01', 'jwk_l02'])
      await makeApiKey(db.admin, { unitId: bank.id, createdBy: adminId, prefix: p });
    await makeApiKey(db.admin, { unitId: other.id, createdBy: adminId, prefix: 'jwk_l00' });
    const admin = await actorOf(db.admin, adminId);
    const first = await repo.list(admin, { unitId: bank.id, limit: 2 });
    assert.deepEqual(
      first.items.map((k) => k.keyPrefix),
      ['jwk_l01', 'jwk_l02'],
    );
    const second = await repo.list(admin, {
      unitId: bank.id,
      limit: 2,
      cursor: first.nextCursor ?? undefined,
    });
    assert.deepEqual(
      second.items.map((k) => k.keyPrefix),
      ['jwk_l03'],
    );
    assert.equal(second.nextCursor, null);
    const liaison = await actorOf(db.admin, await db.userId('liu.icbc'));
    assert.deepEqual((await repo.list(liaison, { unitId: bank.id })).items, []);
  });
});
