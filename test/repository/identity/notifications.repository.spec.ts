import { describe, it, beforeAll, afterAll } from '@jest/globals';
import assert from 'node:assert/strict';
import { Notification } from '../../../src/identity/notifications/entities/notification.entity.js';
import { NotificationsRepository } from '../../../src/identity/notifications/notifications.repository.js';
import { Role } from '../../../src/common/auth/roles.js';
import { openRepoDb, type RepoDb } from '../repo-db.js';
import { makeUser } from './factories.js';

const content = { kind: 'test.kind', title: '标题', body: '正文', entity: 'case', entityId: 'x' };

describe('NotificationsRepository', () => {
  let db: RepoDb;
  let repo: NotificationsRepository;
  let unitId: string;
  beforeAll(async () => {
    db = await openRepoDb([Notification]);
    repo = new NotificationsRepository(db.ds.getRepository(Notification));
    unitId = await db.unitId('GY-YY-WA');
  });
  afterAll(() => db.close());

  it('inserts one row per (event, user): a replayed event adds nothing, no users add nothing', async () => {
    const a = await makeUser(db.admin, { unitId, role: Role.Officer });
    const b = await makeUser(db.admin, { unitId, role: Role.Officer });
    assert.equal(await repo.insertForEvent('9001', [a, b], content), 2);
    assert.equal(await repo.insertForEvent('9001', [a, b], content), 0);
    assert.equal(await repo.insertForEvent('9002', [a], content), 1);
    assert.equal(await repo.insertForEvent('9003', [], content), 0);
    assert.equal((await repo.listForUser(a, {})).items.length, 2);
  });

  it('lists a user’s notifications newest first, unread only on request, in pages', async () => {
    const u = await makeUser(db.admin, { unitId, role: Role.Officer });
    for (let i = 0; i < 5; i++) await repo.insertForEvent(String(9100 + i), [u], content);
    const all = (await repo.listForUser(u, {})).items;
    assert.equal(all.length, 5);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.listForUser(u, { limit: 2, cursor });
      seen.push(...page.items.map((n) => n.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(
      seen,
      all.map((n) => n.id),
    );
    await db.ds.transaction((em) => repo.markRead(em, u, all[0].id));
    const unread = await repo.listForUser(u, { unread: true });
    assert.deepEqual(
      unread.items.map((n) => n.id),
      all.slice(1).map((n) => n.id),
    );
  });

  it('marks read once (the first time stays), and never another user’s', async () => {
    const u = await makeUser(db.admin, { unitId, role: Role.Officer });
    const other = await makeUser(db.admin, { unitId, role: Role.Officer });
    await repo.insertForEvent('9200', [u], content);
    const [n] = (await repo.listForUser(u, {})).items;
    const first = await db.ds.transaction((em) => repo.markRead(em, u, n.id));
    assert.ok(first?.readAt);
    const again = await db.ds.transaction((em) => repo.markRead(em, u, n.id));
    assert.equal(again?.readAt?.getTime(), first.readAt.getTime());
    assert.equal(await db.ds.transaction((em) => repo.markRead(em, other, n.id)), null);
  });
});
