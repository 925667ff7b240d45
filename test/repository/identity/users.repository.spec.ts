import { describe, it, beforeAll, afterAll } from '@jest/globals';
import assert from 'node:assert/strict';
import { Role } from '../../../src/common/auth/roles.js';
import { User } from '../../../src/identity/users/entities/user.entity.js';
import { UsersRepository } from '../../../src/identity/users/users.repository.js';
import { openRepoDb, type RepoDb } from '../repo-db.js';
import { actorOf, makeUnit, makeUser } from './factories.js';

describe('UsersRepository', () => {
  let db: RepoDb;
  let repo: UsersRepository;
  beforeAll(async () => {
    db = await openRepoDb([User]);
    repo = new UsersRepository(db.ds.getRepository(User));
  });
  afterAll(() => db.close());

  it('finds a user by id, counts them, and loads the password hash only for login', async () => {
    const id = await db.userId('li.officer');
    const user = await repo.findById(id);
    assert.equal(user?.username, 'li.officer');
    assert.equal((user as User & { passwordHash?: string }).passwordHash, undefined);
    const login = await repo.findForLogin('li.officer');
    assert.match(login?.passwordHash ?? '', /^\$argon2/);
    assert.equal(await repo.findForLogin('nobody'), null);
    const [{ n }] = (await db.admin.query('SELECT count(*)::int AS n FROM users')) as {
      n: number;
    }[];
    assert.equal(await repo.count(), n);
  });

  it('inserts a user and updates one in the caller’s transaction', async () => {
    const unitId = await db.unitId('GY-YY-QL');
    const created = await db.ds.transaction((em) =>
      repo.insert(em, {
        username: 'new.officer',
        displayName: '新民警',
        passwordHash: '$argon2id$fake',
        role: Role.Officer,
        unitId,
        phone: null,
        disabledAt: null,
        passwordChangedAt: new Date('2026-11-01T00:00:00Z'),
      }),
    );
    assert.equal((await repo.findForLogin('new.officer'))?.passwordHash, '$argon2id$fake');
    const updated = await db.ds.transaction((em) =>
      repo.update(em, created.id, { displayName: '改名', disabledAt: new Date() }),
    );
    assert.equal(updated.displayName, '改名');
    assert.ok(updated.disabledAt);
    assert.equal(updated.username, 'new.officer');
    // The username is unique: a second insert of it fails on the index.
    await assert.rejects(
      db.ds.transaction((em) =>
        repo.insert(em, {
          username: 'new.officer',
          displayName: 'x',
          passwordHash: 'x',
          role: Role.Officer,
          unitId,
          phone: null,
          disabledAt: null,
          passwordChangedAt: new Date(),
        }),
      ),
      /users_username_key/,
    );
  });

  it('loads a liaison with their bank’s path, a police user with none', async () => {
    const liaison = await repo.findWithScope(await db.userId('liu.icbc'));
    const bank = await db.unitId('ICBC-GY');
    const [{ path }] = (await db.admin.query('SELECT path FROM units WHERE id = $1', [bank])) as {
      path: string;
    }[];
    assert.equal(liaison?.bankPath, path);
    assert.ok(liaison?.unitPath.startsWith(path) && liaison.unitPath !== path);
    const officer = await repo.findWithScope(await db.userId('li.officer'));
    assert.equal(officer?.bankPath, null);
    assert.equal(officer?.role, Role.Officer);
    assert.equal(await repo.findWithScope('00000000-0000-4000-8000-000000000000'), null);
  });

  it('lists the users of the caller’s subtree, filters by role and unit, pages by username', async () => {
    const sup = await actorOf(db.admin, await db.userId('wu.supervisor'));
    const names = (await repo.list(sup, { limit: 200 })).items.map((u) => u.username);
    assert.ok(names.includes('li.officer') && names.includes('chen.community'));
    assert.ok(!names.includes('wang.officer'), 'another sub-bureau’s officer');
    const officers = await repo.list(sup, { role: Role.Officer });
    assert.ok(officers.items.every((u) => u.role === Role.Officer));
    const wa = await db.unitId('GY-YY-WA');
    assert.deepEqual(
      (await repo.list(sup, { unitId: wa })).items.map((u) => u.username),
      ['li.officer'],
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.list(sup, { limit: 1, cursor });
      seen.push(...page.items.map((u) => u.username));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, names);
  });

  it('gives the enabled users of some roles in a subtree (a bank’s liaisons in every branch)', async () => {
    const bank = await makeUnit(db.admin, { kind: 'bank' });
    const branch = await makeUnit(db.admin, { kind: 'bank_branch', parentId: bank.id });
    const a = await makeUser(db.admin, { unitId: bank.id, role: Role.BankLiaison });
    const b = await makeUser(db.admin, { unitId: branch.id, role: Role.BankLiaison });
    await makeUser(db.admin, { unitId: branch.id, role: Role.BankLiaison, disabled: true });
    const ids = await repo.activeInSubtree(bank.path, [Role.BankLiaison]);
    assert.deepEqual([...ids].sort(), [a, b].sort());
    assert.deepEqual(await repo.activeInSubtree(branch.path, [Role.BankLiaison]), [b]);
    assert.deepEqual(await repo.activeInSubtree(bank.path, [Role.Officer]), []);
  });
});
