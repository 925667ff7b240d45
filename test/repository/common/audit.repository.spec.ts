// AuditRepository against real PostgreSQL: the chain's lock and head, appends, pages of the chain,
// the scoped, filtered list of GET /audit-events, and the actor names beside it.
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { AuditEvent } from '../../../src/common/audit/audit-event.entity.js';
import { GENESIS_HASH, type AuditRecord } from '../../../src/common/audit/audit-hash.js';
import { AuditRepository } from '../../../src/common/audit/audit.repository.js';
import { openRepoDb, type RepoDb } from '../repo-db.js';
import { actorOf, auditRecord, emptyAuditChain } from './factories.js';

describe('AuditRepository', () => {
  let db: RepoDb;
  let repo: AuditRepository;

  beforeAll(async () => {
    db = await openRepoDb([AuditEvent]);
    repo = new AuditRepository(db.ds);
    await emptyAuditChain(db.admin);
  });
  afterAll(() => db.close());

  /** Appends one row the way AuditService does: under the lock, after the last hash. */
  const append = (r: AuditRecord, hash: string) =>
    db.ds.transaction(async (em) => repo.insert(em, r, await repo.lockAndLastHash(em), hash));

  describe('on an empty chain', () => {
    it('has no head, the genesis hash as last hash, no pages', async () => {
      assert.equal(await repo.head(), undefined);
      assert.equal(await db.ds.transaction((em) => repo.lockAndLastHash(em)), GENESIS_HASH);
      assert.deepEqual(await repo.page('0', 10), []);
      assert.equal(await repo.exists('1'), false);
    });

    it('lists nothing and names no actors', async () => {
      const admin = await actorOf(db.admin, 'admin');
      assert.deepEqual(await repo.list(admin, {}, {}), { items: [], nextCursor: null });
      assert.deepEqual([...(await repo.actorNames([])).entries()], []);
    });
  });

  describe('appending', () => {
    it('stores every field, chains on the last hash, and pages in id order', async () => {
      const first = auditRecord({ details: { b: 2, a: [1, '二'] }, ip: '10.0.0.1' });
      const id1 = await append(first, 'a'.repeat(64));
      const id2 = await append(auditRecord({ clientRequestId: 'client-7' }), 'b'.repeat(64));
      assert.ok(BigInt(id1) < BigInt(id2));
      assert.deepEqual(await repo.head(), { id: id2, hash: 'b'.repeat(64) });
      const [p1, p2] = await repo.page('0', 10);
      assert.deepEqual(
        { ...p1 },
        { ...first, id: id1, prevHash: GENESIS_HASH, hash: 'a'.repeat(64), keyed: true },
      );
      assert.equal(p2.prevHash, 'a'.repeat(64), 'the second row chains on the first');
      assert.equal(p2.clientRequestId, 'client-7');
      assert.deepEqual(
        (await repo.page(id1, 10)).map((r) => r.id),
        [id2],
      );
      assert.deepEqual(
        (await repo.page('0', 1)).map((r) => r.id),
        [id1],
      );
      assert.deepEqual(await repo.page(id2, 10), []);
      assert.equal(await repo.exists(id1), true);
    });

    it('the chain lock makes a second writer wait for the first one’s commit, then see its hash', async () => {
      const first = db.ds.createQueryRunner();
      const second = db.ds.createQueryRunner();
      try {
        await first.connect();
        await second.connect();
        await first.startTransaction();
        await second.startTransaction();
        await repo.lockAndLastHash(first.manager);
        let secondGot: string | undefined;
        const waiting = repo.lockAndLastHash(second.manager).then((h) => (secondGot = h));
        // Still blocked while the first writer holds the lock (pg_locks shows it waiting).
        for (let i = 0; i < 50; i++) {
          const [{ n }] = (await db.admin.query(
            `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
          )) as { n: number }[];
          if (n === 1) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(secondGot, undefined, 'the second writer waits');
        await repo.insert(first.manager, auditRecord(), 'c'.repeat(64), 'd'.repeat(64));
        await first.commitTransaction();
        await waiting;
        assert.equal(secondGot, 'd'.repeat(64), 'and then chains on the first writer’s row');
        await second.rollbackTransaction();
      } finally {
        await first.release();
        await second.release();
      }
    });

    it('the app’s role may append but not rewrite a row', async () => {
      const head = await repo.head();
      await assert.rejects(
        db.ds.query(`UPDATE audit_events SET action = 'x' WHERE id = $1`, [head!.id]),
        /permission denied|append-only/,
      );
    });
  });

  describe('list: scope and filters (GET /audit-events)', () => {
    let ids: Record<string, string>;

    beforeAll(async () => {
      await emptyAuditChain(db.admin);
      const officer = await actorOf(db.admin, 'li.officer');
      const liaison = await actorOf(db.admin, 'liu.icbc');
      const [key] = (await db.admin.query(
        `INSERT INTO api_keys (unit_id, name, key_prefix, key_hash, created_by)
         VALUES ($1, '核心系统', 'repotest', 'x', $2) RETURNING id`,
        [liaison.unitId, liaison.id],
      )) as { id: string }[];
      const write = (name: string, r: Partial<AuditRecord>, at: string) =>
        append(auditRecord({ ...r, occurredAt: new Date(at) }), name.padEnd(64, '0'));
      ids = {
        caseCreate: await write(
          'e1',
          {
            actorKind: 'user',
            actorId: officer.id,
            actorRole: officer.role,
            actorUnitId: officer.unitId,
            action: 'case.create',
            entity: 'case',
            entityId: 'c-1',
          },
          '2026-11-01T01:00:00Z',
        ),
        caseUpdate: await write(
          'e2',
          {
            actorKind: 'user',
            actorId: officer.id,
            actorRole: officer.role,
            actorUnitId: officer.unitId,
            action: 'case.update',
            entity: 'case',
            entityId: 'c-1',
          },
          '2026-11-02T01:00:00Z',
        ),
        keyUse: await write(
          'e3',
          {
            actorKind: 'api_key',
            actorId: key.id,
            actorRole: 'bank_liaison',
            actorUnitId: liaison.unitId,
            action: 'api_key.use',
            entity: 'transfer_flag',
            entityId: 'f-1',
          },
          '2026-11-03T01:00:00Z',
        ),
        // `_` is a LIKE wildcard: a prefix filter 'api_key.' must not match 'apiXkey.'.
        lookalike: await write(
          'e4',
          { action: 'apiXkey.use', entity: 'system' },
          '2026-11-04T01:00:00Z',
        ),
      };
    });

    const listed = async (username: string, f = {}, page = {}) =>
      (await repo.list(await actorOf(db.admin, username), f, page)).items.map((e) => e.id);

    it('admins see every event, newest first', async () => {
      assert.deepEqual(await listed('admin'), [
        ids.lookalike,
        ids.keyUse,
        ids.caseUpdate,
        ids.caseCreate,
      ]);
    });

    it('others see the events of actors in their subtree only', async () => {
      assert.deepEqual(await listed('liu.icbc'), [ids.keyUse]);
      const officer = await listed('li.officer');
      assert.ok(officer.includes(ids.caseCreate) && !officer.includes(ids.keyUse));
      assert.ok(!officer.includes(ids.lookalike), 'system events have no unit: admins only');
    });

    it('filters by action (exact, or a prefix ending in a dot, `_` taken literally), entity, time', async () => {
      assert.deepEqual(await listed('admin', { action: 'case.create' }), [ids.caseCreate]);
      assert.deepEqual(await listed('admin', { action: 'case.' }), [
        ids.caseUpdate,
        ids.caseCreate,
      ]);
      assert.deepEqual(await listed('admin', { action: 'api_key.' }), [ids.keyUse]);
      assert.deepEqual(await listed('admin', { entity: 'case', entityId: 'c-1' }), [
        ids.caseUpdate,
        ids.caseCreate,
      ]);
      assert.deepEqual(
        await listed('admin', { from: '2026-11-02T00:00:00Z', to: '2026-11-03T01:00:00Z' }),
        [ids.caseUpdate],
        'from is inclusive, to exclusive',
      );
      assert.deepEqual(await listed('admin', { entity: 'nothing' }), []);
    });

    it('filters by actor id and by username (users only)', async () => {
      const officer = await actorOf(db.admin, 'li.officer');
      assert.deepEqual(await listed('admin', { actorId: officer.id }), [
        ids.caseUpdate,
        ids.caseCreate,
      ]);
      assert.deepEqual(await listed('admin', { actorUsername: 'li.officer' }), [
        ids.caseUpdate,
        ids.caseCreate,
      ]);
      assert.deepEqual(await listed('admin', { actorUsername: 'no.such.user' }), []);
    });

    it('pages by id with a cursor', async () => {
      const admin = await actorOf(db.admin, 'admin');
      const first = await repo.list(admin, {}, { limit: 3 });
      assert.deepEqual(
        first.items.map((e) => e.id),
        [ids.lookalike, ids.keyUse, ids.caseUpdate],
      );
      assert.ok(first.nextCursor);
      const rest = await repo.list(admin, {}, { limit: 3, cursor: first.nextCursor });
      assert.deepEqual(
        rest.items.map((e) => e.id),
        [ids.caseCreate],
      );
      assert.equal(rest.nextCursor, null);
    });

    it('names users and API keys as they are now, and nothing for system events', async () => {
      const admin = await actorOf(db.admin, 'admin');
      const { items } = await repo.list(admin, {}, {});
      const names = await repo.actorNames(items);
      const officer = await actorOf(db.admin, 'li.officer');
      const [{ display_name }] = (await db.admin.query(
        'SELECT display_name FROM users WHERE id = $1',
        [officer.id],
      )) as { display_name: string | null }[];
      const key = items.find((e) => e.id === ids.keyUse)!.actorId!;
      assert.deepEqual(
        [...names.entries()].sort(([a], [b]) => a.localeCompare(b)),
        [
          [officer.id, { name: 'li.officer', displayName: display_name }],
          [key, { name: '核心系统', displayName: null }],
        ].sort(([a], [b]) => String(a).localeCompare(String(b))),
      );
      const system = items.filter((e) => e.actorKind === 'system');
      assert.deepEqual([...(await repo.actorNames(system)).entries()], []);
    });
  });
});
