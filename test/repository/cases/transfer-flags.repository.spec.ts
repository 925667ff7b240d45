import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Actor } from '../../../src/common/auth/actor.js';
import { TransferFlag } from '../../../src/cases/transfer-flags/entities/transfer-flag.entity.js';
import { TransferHit } from '../../../src/cases/transfer-flags/entities/transfer-hit.entity.js';
import type { NormalizedFlag } from '../../../src/cases/transfer-flags/transfer-flag-input.js';
import { TransferFlagsRepository } from '../../../src/cases/transfer-flags/transfer-flags.repository.js';
import { explain, openRepoDb, planSummary, type RepoDb } from '../repo-db.js';
import {
  actorOf,
  anyScope,
  cardNo,
  link,
  loadCases,
  makeCase,
  makeDissuasion,
  makeFlag,
  makeHit,
  makeIdentifier,
  statementsOf,
  unique,
} from './factories.js';

const flag = (o: Partial<NormalizedFlag> = {}): NormalizedFlag => ({
  externalRef: unique('F-'),
  payerAccount: '6222020000000001',
  payerName: '张三',
  payeeAccount: cardNo(),
  payeeName: null,
  payeeBank: null,
  amountFen: 100000,
  occurredAt: new Date('2024-05-01T01:00:00Z'),
  reason: '疑似诈骗',
  ...o,
});

describe('TransferFlagsRepository on PostgreSQL', () => {
  let db: RepoDb;
  let repo: TransferFlagsRepository;
  let icbc: string;
  let ccb: string;
  let liaison: Actor; // liu.icbc, ICBC-GY subtree
  let officer: Actor; // li.officer, GY-YY-WA
  let other: Actor; // wang.officer, GY-NM-HX
  const submitter = { kind: 'user' as const, id: '00000000-0000-4000-8000-0000000000aa' };

  beforeAll(async () => {
    db = await openRepoDb([TransferFlag, TransferHit]);
    repo = new TransferFlagsRepository(db.ds);
    icbc = await db.unitId('ICBC-GY');
    ccb = await db.unitId('CCB-GZ');
    liaison = await actorOf(db, 'liu.icbc');
    officer = await actorOf(db, 'li.officer');
    other = await actorOf(db, 'wang.officer');
  });
  afterAll(() => db.close());

  const ingest = (flags: NormalizedFlag[], bank = icbc) =>
    db.ds.transaction((em) => repo.insertFlagsAndHits(em, bank, submitter, flags));

  describe('bankOf', () => {
    it('a bank is its own bank; a branch answers its bank; a police unit has none', async () => {
      assert.deepEqual((await repo.bankOf(icbc))?.id, icbc);
      assert.deepEqual((await repo.bankOf(await db.unitId('ICBC-GY-ZHBL')))?.id, icbc);
      assert.equal(await repo.bankOf(await db.unitId('GY-YY-WA')), null);
    });
  });

  describe('insertFlagsAndHits (the flag + hit insert)', () => {
    it('an empty batch writes nothing', async () => {
      assert.deepEqual(await ingest([]), []);
    });

    it('a flag whose payee is a card named by two cases hits both; one that matches nothing has no hit', async () => {
      const card = await makeIdentifier(db.admin);
      const a = await makeCase(db);
      const b = await makeCase(db, { unit: 'GY-NM-HX' });
      await link(db.admin, a.id, card.id);
      await link(db.admin, b.id, card.id);
      const hit = flag({ payeeAccount: card.value });
      const miss = flag();
      const rows = await ingest([hit, miss]);
      const byRef = (ref: string) => rows.filter((r) => r.external_ref === ref);
      assert.deepEqual(
        byRef(hit.externalRef)
          .map((r) => r.case_id)
          .sort(),
        [a.id, b.id].sort(),
      );
      for (const r of byRef(hit.externalRef)) {
        assert.equal(r.identifier_id, card.id);
        assert.ok(r.case_reported_at instanceof Date);
        assert.ok(r.case_unit_id === a.unitId || r.case_unit_id === b.unitId);
      }
      assert.deepEqual(
        byRef(miss.externalRef).map((r) => [r.hit_id, r.case_id]),
        [[null, null]],
      );
    });

    it('a phone number equal to the payee digits is not a hit (only bank cards match)', async () => {
      const value = cardNo();
      const phoneLike = await makeIdentifier(db.admin, { kind: 'other', value });
      const c = await makeCase(db);
      await link(db.admin, c.id, phoneLike.id);
      const rows = await ingest([flag({ payeeAccount: value })]);
      assert.deepEqual(
        rows.map((r) => r.hit_id),
        [null],
      );
    });

    it('a reference the bank sent before is skipped (ON CONFLICT), another bank may reuse it', async () => {
      const f = flag();
      assert.equal((await ingest([f])).length, 1);
      assert.deepEqual(await ingest([f]), []);
      assert.equal((await ingest([f], ccb)).length, 1);
    });

    it('two concurrent batches with the same reference insert it once', async () => {
      const f = flag();
      const [x, y] = await Promise.all([ingest([f]), ingest([f])]);
      assert.equal(x.length + y.length, 1);
    });
  });

  describe('flagIdsByRef', () => {
    it('maps the bank’s existing references to their ids; unknown ones and other banks’ are absent', async () => {
      const id = await makeFlag(db.admin, { bankUnitId: icbc, externalRef: 'R-known-1' });
      await makeFlag(db.admin, { bankUnitId: ccb, externalRef: 'R-ccb-1' });
      const map = await db.ds.transaction((em) =>
        repo.flagIdsByRef(em, icbc, ['R-known-1', 'R-ccb-1', 'R-unknown']),
      );
      assert.deepEqual([...map.entries()], [['R-known-1', id]]);
      assert.deepEqual(
        [...(await db.ds.transaction((em) => repo.flagIdsByRef(em, icbc, []))).entries()],
        [],
      );
    });
  });

  describe('listFlags, flagExtras', () => {
    it('a liaison sees the bank’s own; police see flags that hit their cases; admin all', async () => {
      const card = await makeIdentifier(db.admin);
      const c = await makeCase(db);
      await link(db.admin, c.id, card.id);
      const hitting = await makeFlag(db.admin, {
        bankUnitId: ccb,
        payeeAccount: card.value,
        createdAt: '2035-01-02T00:00:00Z',
      });
      await makeHit(db.admin, { flagId: hitting, identifierId: card.id, caseId: c.id });
      const own = await makeFlag(db.admin, { bankUnitId: icbc, createdAt: '2035-01-01T00:00:00Z' });
      const ids = async (actor: Actor, q: object = {}) =>
        (await repo.listFlags(actor, { limit: 200, ...q })).items.map((f) => f.id);
      assert.ok((await ids(liaison)).includes(own));
      assert.ok(!(await ids(liaison)).includes(hitting));
      assert.ok((await ids(officer)).includes(hitting));
      assert.ok(!(await ids(officer)).includes(own));
      assert.ok(!(await ids(other)).includes(hitting));
      const admin = await ids(anyScope(), { limit: 2 });
      assert.deepEqual(admin, [hitting, own]); // newest first
      assert.ok((await ids(anyScope(), { hasHits: true })).includes(hitting));
      assert.ok(!(await ids(anyScope(), { hasHits: false })).includes(hitting));

      const extras = await repo.flagExtras([hitting, own]);
      assert.deepEqual(extras.get(hitting), { hits: 1, bankName: extras.get(hitting)?.bankName });
      assert.equal(extras.get(own)?.hits, 0);
      assert.match(extras.get(own)?.bankName ?? '', /工商|ICBC|银行/);
      assert.equal((await repo.flagExtras([])).size, 0);
    });
  });

  describe('listHits, hitDetails, hitsForNotice', () => {
    it('hits on cases in scope, by case; details and notices carry the flag, bank and task', async () => {
      const card = await makeIdentifier(db.admin);
      const officerId = await db.userId('li.officer');
      const c = await makeCase(db, { officerId });
      await link(db.admin, c.id, card.id);
      const f = await makeFlag(db.admin, { bankUnitId: icbc, payeeAccount: card.value });
      const h = await makeHit(db.admin, { flagId: f, identifierId: card.id, caseId: c.id });
      const d = await makeDissuasion(db.admin, {
        flagId: f,
        identifierId: card.id,
        unitId: c.unitId,
      });

      const page = await repo.listHits(officer, { caseId: c.id });
      assert.deepEqual(
        page.items.map((x) => x.id),
        [h],
      );
      assert.deepEqual((await repo.listHits(other, { caseId: c.id })).items, []);

      const [detail] = await repo.hitDetails([h]);
      assert.deepEqual(
        [detail.case_no, detail.payee_account, detail.amount_fen, detail.dissuasion_id],
        [c.caseNo, card.value, '100000', d],
      );
      assert.deepEqual(await repo.hitDetails([]), []);

      const [notice] = await repo.hitsForNotice([h]);
      assert.equal(notice.officer_id, officerId);
      assert.equal(notice.dissuasion_risk_grade, 'high');
      assert.ok(notice.dissuasion_due_at instanceof Date);
      await db.admin.query('UPDATE users SET disabled_at = now() WHERE id = $1', [officerId]);
      try {
        assert.equal((await repo.hitsForNotice([h]))[0].officer_id, null); // a disabled officer is not told
      } finally {
        await db.admin.query('UPDATE users SET disabled_at = NULL WHERE id = $1', [officerId]);
      }
      assert.deepEqual(await repo.hitsForNotice([]), []);
    });
  });

  describe('supervisorsOf', () => {
    it('the unit’s own active supervisors, else the nearest unit above that has some', async () => {
      const fz = await db.unitId('GY-FZ'); // zhang.supervisor
      const yy = await db.unitId('GY-YY'); // wu.supervisor
      const wa = await db.unitId('GY-YY-WA'); // none: GY-YY's
      const map = await repo.supervisorsOf([fz, wa, yy]);
      const zhang = await db.userId('zhang.supervisor');
      const wu = await db.userId('wu.supervisor');
      assert.deepEqual(map.get(fz), [zhang]);
      assert.deepEqual(map.get(wa), [wu]);
      assert.deepEqual(map.get(yy), [wu]);
      assert.equal((await repo.supervisorsOf([])).size, 0);
      await db.admin.query('UPDATE users SET disabled_at = now() WHERE id = $1', [wu]);
      try {
        const gy = await db.unitId('GY'); // no supervisor anywhere above: no one
        const after = await repo.supervisorsOf([wa, gy]);
        assert.equal(after.get(wa), undefined);
        assert.equal(after.get(gy), undefined);
      } finally {
        await db.admin.query('UPDATE users SET disabled_at = NULL WHERE id = $1', [wu]);
      }
    });
  });

  describe('plan of the hit match (after loading 20 000 cases)', () => {
    beforeAll(async () => {
      await loadCases(db, 20_000, ['GY-YY-WA', 'GY-NM-HX']);
      await db.admin.query('ANALYZE transfer_flags, transfer_hits');
    });

    it('matches the new flags’ payees by the identifiers key and case_identifiers by identifier', async () => {
      const [insert] = await statementsOf(db.ds, () =>
        ingest([flag({ payeeAccount: '6900000000000777' }), flag()]),
      );
      // EXPLAIN of an INSERT plans it without running it.
      const plan = planSummary(await explain(db.ds, insert.sql, insert.params));
      assert.ok(plan.indexes.includes('identifiers_kind_value_key'), JSON.stringify(plan));
      assert.ok(plan.indexes.includes('case_identifiers_identifier_idx'), JSON.stringify(plan));
      assert.ok(!plan.seqScans.includes('identifiers'), JSON.stringify(plan));
      assert.ok(!plan.seqScans.includes('case_identifiers'), JSON.stringify(plan));
    });
  });
});
