import { describe, it, beforeAll, afterAll } from '@jest/globals';
import assert from 'node:assert/strict';
import { UnitKind, Unit } from '../../../src/identity/units/entities/unit.entity.js';
import { UnitsRepository } from '../../../src/identity/units/units.repository.js';
import { openRepoDb, type RepoDb } from '../repo-db.js';
import { actorOf, makeUnit } from './factories.js';

describe('UnitsRepository', () => {
  let db: RepoDb;
  let repo: UnitsRepository;
  beforeAll(async () => {
    db = await openRepoDb([Unit]);
    repo = new UnitsRepository(db.ds.getRepository(Unit));
  });
  afterAll(() => db.close());

  it('finds a unit by id and by code, and nothing for an unknown one', async () => {
    const id = await db.unitId('GY-YY-WA');
    assert.equal((await repo.findById(id))?.code, 'GY-YY-WA');
    assert.equal((await repo.findByCode('GY-YY-WA'))?.id, id);
    assert.equal(await repo.findByCode('NO-SUCH'), null);
    assert.equal(await repo.findById('00000000-0000-4000-8000-000000000000'), null);
  });

  it('inserts a unit under its parent and derives the path from the parent’s', async () => {
    const parent = (await repo.findByCode('GY-YY'))!;
    const unit = await db.ds.transaction((em) =>
      repo.insert(
        em,
        { kind: UnitKind.Station, code: 'T-INSERTED', name: '测试派出所', parentId: parent.id },
        parent.path,
      ),
    );
    assert.equal(unit.path, `${parent.path}${unit.id}/`);
    assert.equal(unit.parentId, parent.id);
  });

  it('lists the caller’s subtree, and every bank for an officer; `q` matches % and _ literally', async () => {
    const officer = await actorOf(db.admin, await db.userId('li.officer'));
    const page = await repo.list(officer, { limit: 200 });
    const codes = page.items.map((u) => u.code);
    assert.ok(codes.includes('GY-YY-WA') && codes.includes('ICBC-GY') && codes.includes('CCB-GZ'));
    assert.ok(!codes.includes('GY-NM'), 'another police subtree stays hidden');
    await makeUnit(db.admin, { kind: 'bank', code: 'T-PCT', name: '百分之百银行 100%' });
    const byQ = await repo.list(officer, { q: '100%' });
    assert.deepEqual(
      byQ.items.map((u) => u.code),
      ['T-PCT'],
    );
    assert.deepEqual((await repo.list(officer, { q: '_' })).items, []);
  });

  it('shows a liaison only their bank, filters by kind and parent', async () => {
    const liaison = await actorOf(db.admin, await db.userId('liu.icbc'));
    const codes = (await repo.list(liaison, {})).items.map((u) => u.code);
    assert.deepEqual(codes, ['ICBC-GY', 'ICBC-GY-ZHBL']);
    const branches = await repo.list(liaison, { kind: UnitKind.BankBranch });
    assert.deepEqual(
      branches.items.map((u) => u.code),
      ['ICBC-GY-ZHBL'],
    );
    const under = await repo.list(liaison, { parentId: await db.unitId('ICBC-GY') });
    assert.deepEqual(
      under.items.map((u) => u.code),
      ['ICBC-GY-ZHBL'],
    );
  });

  it('pages by code with a cursor, every unit once', async () => {
    const admin = await actorOf(db.admin, await db.userId('admin'));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.list(admin, { limit: 3, cursor });
      seen.push(...page.items.map((u) => u.code));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const all = (await repo.list(admin, { limit: 200 })).items.map((u) => u.code);
    assert.deepEqual(seen, all);
    assert.deepEqual([...seen].sort(), seen);
  });

  it('finds the bank of a branch (nearest ancestor of a kind), none for a police unit', async () => {
    const branch = (await repo.findByCode('ICBC-GY-ZHBL'))!;
    assert.equal((await repo.ancestorOfKind(branch, UnitKind.Bank))?.code, 'ICBC-GY');
    const bank = (await repo.findByCode('ICBC-GY'))!;
    assert.equal((await repo.ancestorOfKind(bank, UnitKind.Bank))?.code, 'ICBC-GY');
    const station = (await repo.findByCode('GY-YY-QL'))!;
    assert.equal(await repo.ancestorOfKind(station, UnitKind.Bank), null);
  });
});
