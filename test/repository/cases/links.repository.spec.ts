import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Actor } from '../../../src/common/auth/actor.js';
import { LinksRepository } from '../../../src/cases/links/links.repository.js';
import { explain, openRepoDb, planSummary, type RepoDb } from '../repo-db.js';
import {
  actorOf,
  anyScope,
  type CaseRow,
  link,
  loadCases,
  makeCase,
  makeIdentifier,
  makeTransfer,
  makeVictim,
  statementsOf,
} from './factories.js';

describe('LinksRepository on PostgreSQL', () => {
  let db: RepoDb;
  let repo: LinksRepository;
  let officer: Actor; // GY-YY-WA
  let other: Actor; // GY-NM-HX
  // A chain A -x- B -y- C -z- D (D in another subtree), and E sharing x with A.
  const c: Record<'A' | 'B' | 'C' | 'D' | 'E', CaseRow> = {} as never;
  const id: Record<'x' | 'y' | 'z', { id: string; kind: string; value: string }> = {} as never;

  beforeAll(async () => {
    db = await openRepoDb();
    repo = new LinksRepository(db.ds);
    officer = await actorOf(db, 'li.officer');
    other = await actorOf(db, 'wang.officer');
    c.A = await makeCase(db, { reportedAt: '2024-01-01T00:00:00Z' });
    c.B = await makeCase(db, { reportedAt: '2024-01-02T00:00:00Z' });
    c.C = await makeCase(db, { reportedAt: '2024-01-03T00:00:00Z' });
    c.D = await makeCase(db, { unit: 'GY-NM-HX', reportedAt: '2024-01-04T00:00:00Z' });
    c.E = await makeCase(db, { reportedAt: '2024-01-05T00:00:00Z' });
    id.x = await makeIdentifier(db.admin);
    id.y = await makeIdentifier(db.admin);
    id.z = await makeIdentifier(db.admin);
    for (const [k, i] of [
      ['A', 'x'],
      ['B', 'x'],
      ['E', 'x'],
      ['B', 'y'],
      ['C', 'y'],
      ['C', 'z'],
      ['D', 'z'],
    ] as const)
      await link(db.admin, c[k].id, id[i].id);
  });
  afterAll(() => db.close());

  const walk = async (actor: Actor, from: CaseRow, depth: number, rowLimit = 100) =>
    (await repo.links(actor, from.id, depth, rowLimit)).map((r) => [r.depth, r.visible, r.id]);

  describe('links (the walk)', () => {
    it('depth 1 gives the start and its direct neighbours; each further hop one level more', async () => {
      const d1 = await walk(anyScope(), c.A, 1);
      assert.deepEqual(d1[0], [0, true, c.A.id]);
      assert.deepEqual(
        d1
          .slice(1)
          .map((r) => r[2])
          .sort(),
        [c.B.id, c.E.id].sort(),
      );
      assert.deepEqual(
        (await walk(anyScope(), c.A, 2)).filter((r) => r[0] === 2).map((r) => r[2]),
        [c.C.id],
      );
      assert.deepEqual(
        (await walk(anyScope(), c.A, 3)).filter((r) => r[0] === 3).map((r) => r[2]),
        [c.D.id],
      );
    });

    it('stops at the depth limit even when the chain goes on, and reaches each case once', async () => {
      const all = await walk(anyScope(), c.A, 10);
      assert.equal(all.length, 5);
      assert.equal(new Set(all.map((r) => r[2])).size, 5);
      assert.equal(Math.max(...all.map((r) => r[0] as number)), 3);
    });

    it('depth 0 is the start case alone', async () => {
      assert.deepEqual(await walk(anyScope(), c.A, 0), [[0, true, c.A.id]]);
    });

    it('the row limit caps the answer at rowLimit + 1 (the caller learns it truncated)', async () => {
      const capped = await walk(anyScope(), c.A, 10, 2);
      assert.equal(capped.length, 3);
    });

    it('a case out of scope is masked in SQL: no id, no number, its hop’s identifier still shown from the visible side', async () => {
      const rows = await repo.links(officer, c.A.id, 3, 100);
      const d = rows.find((r) => r.depth === 3);
      assert.ok(d);
      assert.equal(d.visible, false);
      assert.equal(d.id, null);
      assert.equal(d.case_no, null);
      assert.equal(d.summary, null);
      const last = d.hops[d.hops.length - 1];
      assert.equal(last.case_visible, false);
      assert.equal(last.case_id, null);
      assert.equal(last.identifier_visible, true); // C, on the visible side, names z
      assert.equal(last.value, id.z.value);
    });

    it('a start case out of the caller’s scope answers nothing', async () => {
      assert.deepEqual(await repo.links(other, c.A.id, 3, 100), []);
      assert.deepEqual(
        await repo.links(officer, '00000000-0000-4000-8000-000000000000', 3, 100),
        [],
      );
    });

    it('a case that names no identifier has no links', async () => {
      const lone = await makeCase(db);
      assert.deepEqual(await walk(officer, lone, 3), [[0, true, lone.id]]);
    });

    it('each hop names its identifier and next case, along the first shortest path', async () => {
      const rows = await repo.links(anyScope(), c.A.id, 2, 100);
      const toC = rows.find((r) => r.id === c.C.id);
      assert.ok(toC);
      assert.deepEqual(
        toC.hops.map((h) => [h.identifier_id, h.case_id]),
        [
          [id.x.id, c.B.id],
          [id.y.id, c.C.id],
        ],
      );
    });
  });

  describe('findIdentifier', () => {
    it('counts cases in and out of scope, and totals the loss of those in scope only', async () => {
      const v = await makeVictim(db.admin, c.C.id);
      await makeTransfer(db.admin, {
        caseId: c.C.id,
        victimId: v,
        identifierId: id.z.id,
        amountFen: 700,
      });
      const w = await makeVictim(db.admin, c.D.id);
      await makeTransfer(db.admin, {
        caseId: c.D.id,
        victimId: w,
        identifierId: id.z.id,
        amountFen: 50,
      });
      const row = await repo.findIdentifier(officer, 'bank_card', id.z.value);
      assert.ok(row);
      assert.deepEqual(
        [row.id, row.in_scope, row.out_of_scope, row.total_loss_fen],
        [id.z.id, 1, 1, '700'],
      );
      const all = await repo.findIdentifier(anyScope(), 'bank_card', id.z.value);
      assert.deepEqual([all?.in_scope, all?.out_of_scope, all?.total_loss_fen], [2, 0, '750']);
    });

    it('an unknown value (or the right value under another kind) is null', async () => {
      assert.equal(await repo.findIdentifier(officer, 'bank_card', '6200000000000000000'), null);
      assert.equal(await repo.findIdentifier(officer, 'phone', id.z.value), null);
    });

    it('an identifier no case names any more: zero counts, zero loss', async () => {
      const orphan = await makeIdentifier(db.admin);
      const row = await repo.findIdentifier(officer, 'bank_card', orphan.value);
      assert.deepEqual([row?.in_scope, row?.out_of_scope, row?.total_loss_fen], [0, 0, '0']);
    });
  });

  describe('casesNaming', () => {
    it('the cases in scope naming it, newest report first, up to the limit', async () => {
      const rows = await repo.casesNaming(officer, id.x.id, 10);
      assert.deepEqual(
        rows.map((r) => r.id),
        [c.E.id, c.B.id, c.A.id],
      );
      assert.equal(rows[0].role, 'receiving_account');
      assert.deepEqual(
        (await repo.casesNaming(officer, id.x.id, 2)).map((r) => r.id),
        [c.E.id, c.B.id],
      );
      assert.deepEqual(await repo.casesNaming(other, id.x.id, 10), []);
      assert.deepEqual(
        (await repo.casesNaming(officer, id.z.id, 10)).map((r) => r.id),
        [c.C.id],
      );
    });
  });

  describe('plans (after loading 20 000 cases)', () => {
    beforeAll(async () => {
      await loadCases(db, 20_000, ['GY-YY-WA', 'GY-NM-HX', 'GY-FZ']);
    });

    it('the link walk follows case_identifiers by index, never scanning it whole', async () => {
      const { sql, params } = repo.linksQuery(officer, c.A.id, 3, 100);
      const plan = planSummary(await explain(db.ds, sql, params));
      assert.ok(plan.indexes.includes('case_identifiers_identifier_idx'), JSON.stringify(plan));
      assert.ok(!plan.seqScans.includes('case_identifiers'), JSON.stringify(plan));
      assert.ok(!plan.seqScans.includes('cases'), JSON.stringify(plan));
    });

    it('the identifier lookup finds the value by the (kind, value) key', async () => {
      const [lookup] = await statementsOf(db.ds, () =>
        repo.findIdentifier(officer, 'bank_card', id.z.value),
      );
      const plan = planSummary(await explain(db.ds, lookup.sql, lookup.params));
      assert.ok(plan.indexes.includes('identifiers_kind_value_key'), JSON.stringify(plan));
      assert.ok(!plan.seqScans.includes('identifiers'), JSON.stringify(plan));
      assert.ok(!plan.seqScans.includes('case_identifiers'), JSON.stringify(plan));
    });
  });
});
