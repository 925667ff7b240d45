import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Actor } from '../../../src/common/auth/actor.js';
import { CasesRepository } from '../../../src/cases/case/cases.repository.js';
import { Case } from '../../../src/cases/case/entities/case.entity.js';
import { Identifier } from '../../../src/cases/case/entities/identifier.entity.js';
import { Victim } from '../../../src/cases/case/entities/victim.entity.js';
import { explain, openRepoDb, planSummary, type RepoDb } from '../repo-db.js';
import {
  actorOf,
  anyScope,
  cardNo,
  fraudTypeCode,
  link,
  loadCases,
  makeCase,
  makeIdentifier,
  makeStations,
  makeTransfer,
  makeVictim,
  statementsOf,
  unique,
} from './factories.js';

const md5Of = (s: string) => createHash('md5').update(s).digest('hex');

describe('CasesRepository on PostgreSQL', () => {
  let db: RepoDb;
  let repo: CasesRepository;
  let officer: Actor; // li.officer, GY-YY-WA
  let other: Actor; // wang.officer, GY-NM-HX: another subtree

  beforeAll(async () => {
    db = await openRepoDb([Case, Victim, Identifier]);
    repo = new CasesRepository(db.ds);
    officer = await actorOf(db, 'li.officer');
    other = await actorOf(db, 'wang.officer');
  });
  afterAll(() => db.close());

  describe('nextSequence', () => {
    it('starts at 1 per unit and year, then counts up', async () => {
      const unit = await db.unitId('GY-FZ');
      const seq = (year: number) => repo.transaction((em) => repo.nextSequence(em, unit, year));
      assert.equal(await seq(2031), 1);
      assert.equal(await seq(2031), 2);
      assert.equal(await seq(2032), 1);
    });

    it('never hands two concurrent intakes the same number (ON CONFLICT … DO UPDATE)', async () => {
      const unit = await db.unitId('GY-NM');
      const got = await Promise.all(
        Array.from({ length: 12 }, () =>
          repo.transaction((em) => repo.nextSequence(em, unit, 2033)),
        ),
      );
      assert.deepEqual(
        [...got].sort((a, b) => a - b),
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
    });
  });

  describe('insertCase, findById, updateCase, setStatus', () => {
    it('writes a case, reads it back by id, changes only the fields given', async () => {
      const unitId = await db.unitId('GY-YY-WA');
      const caseNo = unique('GY-YY-WA-2031-');
      const saved = await repo.transaction((em) =>
        repo.insertCase(em, {
          caseNo,
          fraudType: 'task_rebate',
          status: 'reported',
          summary: '刷单',
          reportedAt: new Date('2031-01-02T03:04:05Z'),
          occurredAt: null,
          unitId,
          officerId: null,
          lossFen: '0',
        }),
      );
      assert.match(saved.id, /^[0-9a-f-]{36}$/);
      await repo.transaction((em) => repo.updateCase(em, saved.id, { summary: '刷单返利' }));
      await repo.transaction((em) => repo.setStatus(em, saved.id, 'registered'));
      const back = await repo.findById(db.ds.manager, saved.id);
      assert.equal(back.caseNo, caseNo);
      assert.equal(back.summary, '刷单返利');
      assert.equal(back.status, 'registered');
      assert.equal(back.fraudType, 'task_rebate');
      assert.equal(back.reportedAt.toISOString(), '2031-01-02T03:04:05.000Z');
    });

    it('findById throws for an unknown id', async () => {
      await assert.rejects(repo.findById(db.ds.manager, '00000000-0000-4000-8000-000000000000'));
    });

    it('a second case with the same number is refused (case_no is unique)', async () => {
      const c = await makeCase(db);
      await assert.rejects(
        repo.transaction((em) =>
          repo.insertCase(em, {
            caseNo: c.caseNo,
            fraudType: 'task_rebate',
            status: 'reported',
            summary: 'x',
            reportedAt: new Date(),
            occurredAt: null,
            unitId: c.unitId,
            officerId: null,
            lossFen: '0',
          }),
        ),
        /duplicate key/,
      );
    });

    it('the transaction rolls back every write when its work throws', async () => {
      const caseNo = unique('RB-');
      const unitId = await db.unitId('GY-YY-WA');
      await assert.rejects(
        repo.transaction(async (em) => {
          await repo.insertCase(em, {
            caseNo,
            fraudType: await fraudTypeCode(db.admin),
            status: 'reported',
            summary: 'x',
            reportedAt: new Date(),
            occurredAt: null,
            unitId,
            officerId: null,
            lossFen: '0',
          });
          throw new Error('boom');
        }),
        /boom/,
      );
      const rows = (await db.admin.query('SELECT 1 FROM cases WHERE case_no = $1', [
        caseNo,
      ])) as unknown[];
      assert.equal(rows.length, 0);
      assert.equal(repo.manager, db.ds.manager);
    });
  });

  describe('findScoped', () => {
    it('answers a case in the caller’s subtree, null outside it or unknown; admin sees all', async () => {
      const c = await makeCase(db, { unit: 'GY-YY-WA' });
      assert.equal((await repo.findScoped(officer, c.id))?.id, c.id);
      assert.equal(await repo.findScoped(other, c.id), null);
      assert.equal((await repo.findScoped(anyScope(), c.id))?.id, c.id);
      assert.equal(await repo.findScoped(officer, '00000000-0000-4000-8000-000000000000'), null);
    });

    it('with lock, a second locker waits until the first commits', async () => {
      const c = await makeCase(db);
      const order: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const first = repo.transaction(async (em) => {
        await repo.findScoped(officer, c.id, em, true);
        order.push('first locked');
        await held;
        order.push('first done');
      });
      await new Promise((r) => setTimeout(r, 50));
      const second = repo.transaction(async (em) => {
        await repo.findScoped(officer, c.id, em, true);
        order.push('second locked');
      });
      await new Promise((r) => setTimeout(r, 100));
      release();
      await Promise.all([first, second]);
      assert.deepEqual(order, ['first locked', 'first done', 'second locked']);
    });
  });

  describe('victims, identifiers, transfers and the view', () => {
    it('reads a case’s parties in their orders, and the whole view in one row', async () => {
      const c = await makeCase(db);
      const v1 = await makeVictim(db.admin, c.id);
      const v2 = await makeVictim(db.admin, c.id);
      const i1 = await makeIdentifier(db.admin);
      const i2 = await makeIdentifier(db.admin, { kind: 'phone', value: unique('139') });
      await link(db.admin, c.id, i1.id);
      await link(db.admin, c.id, i2.id, 'contact_phone');
      const t1 = await makeTransfer(db.admin, {
        caseId: c.id,
        victimId: v1,
        identifierId: i1.id,
        amountFen: 150000,
      });
      assert.deepEqual(
        (await repo.victims(c.id)).map((v) => v.id),
        [v1, v2],
      );
      const ids = await repo.identifiers(c.id);
      assert.deepEqual(
        ids.map((i) => [i.id, i.kind, i.role]),
        [
          [i1.id, 'bank_card', 'receiving_account'],
          [i2.id, 'phone', 'contact_phone'],
        ],
      );
      const ts = await repo.transfers(c.id);
      assert.deepEqual(
        ts.map((t) => [t.id, t.victim_id, t.amount_fen]),
        [[t1, v1, '150000']],
      );
      assert.ok(ts[0].transferred_at instanceof Date);

      const view = await repo.view(c.id);
      assert.ok(view);
      assert.equal(view.case.caseNo, c.caseNo);
      assert.equal(view.case.lossFen, '150000'); // the trigger's total
      assert.ok(view.case.reportedAt instanceof Date);
      assert.match(view.unitPath, /^\//);
      assert.deepEqual(
        view.victims.map((v) => v.id),
        [v1, v2],
      );
      assert.deepEqual(
        view.identifiers.map((i) => i.id),
        [i1.id, i2.id],
      );
      assert.deepEqual(
        view.transfers.map((t) => [t.id, t.amount_fen]),
        [[t1, '150000']],
      );
      assert.ok(view.transfers[0].transferred_at instanceof Date);
    });

    it('a case without parties: empty lists, and no view for an unknown id', async () => {
      const c = await makeCase(db);
      assert.deepEqual(await repo.victims(c.id), []);
      assert.deepEqual(await repo.identifiers(c.id), []);
      assert.deepEqual(await repo.transfers(c.id), []);
      const view = await repo.view(c.id);
      assert.deepEqual([view?.victims, view?.identifiers, view?.transfers], [[], [], []]);
      assert.equal(await repo.view('00000000-0000-4000-8000-000000000000'), null);
    });
  });

  describe('insertVictim, victimsByIds, victimById', () => {
    it('writes a victim and finds victims by id; unknown and repeated ids are harmless', async () => {
      const c = await makeCase(db);
      const v = await repo.transaction((em) =>
        repo.insertVictim(em, {
          caseId: c.id,
          nameEnc: 'enc:n',
          idNumberEnc: null,
          phoneEnc: null,
          addressEnc: null,
          idNumberBidx: 'bidx-1',
          phoneBidx: null,
          communityUnitId: null,
        }),
      );
      assert.ok(v.createdAt instanceof Date);
      const found = await repo.victimsByIds([v.id, v.id, '00000000-0000-4000-8000-000000000000']);
      assert.deepEqual(
        found.map((x) => [x.id, x.caseId]),
        [[v.id, c.id]],
      );
      assert.deepEqual(await repo.victimsByIds([]), []);
      assert.equal((await repo.victimById(v.id))?.idNumberBidx, 'bidx-1');
      assert.equal(await repo.victimById('00000000-0000-4000-8000-000000000000'), null);
    });
  });

  describe('upsertIdentifier, linkIdentifier, unlinkIdentifier', () => {
    it('one shared row per (kind, value): a second upsert answers the first row (ON CONFLICT)', async () => {
      const value = cardNo();
      const i = { kind: 'bank_card' as const, value, bankName: '工商银行', luhnValid: true };
      const a = await repo.transaction((em) => repo.upsertIdentifier(em, i));
      const b = await repo.transaction((em) =>
        repo.upsertIdentifier(em, { ...i, bankName: '别的银行' }),
      );
      assert.equal(a, b);
      const rows = (await db.admin.query(
        'SELECT bank_name FROM identifiers WHERE kind = $1 AND value = $2',
        ['bank_card', value],
      )) as { bank_name: string }[];
      assert.deepEqual(rows, [{ bank_name: '工商银行' }]); // never rewritten
    });

    it('concurrent upserts of a new value all answer the one row', async () => {
      const value = cardNo();
      const ids = await Promise.all(
        Array.from({ length: 6 }, () =>
          repo.transaction((em) =>
            repo.upsertIdentifier(em, {
              kind: 'bank_card',
              value,
              bankName: null,
              luhnValid: null,
            }),
          ),
        ),
      );
      assert.equal(new Set(ids).size, 1);
    });

    it('links once (a second link answers false), unlinks once', async () => {
      const c = await makeCase(db);
      const i = await makeIdentifier(db.admin);
      const linkIt = () =>
        repo.transaction((em) => repo.linkIdentifier(em, c.id, i.id, 'receiving_account', '备注'));
      assert.equal(await linkIt(), true);
      assert.equal(await linkIt(), false);
      const unlink = () => repo.transaction((em) => repo.unlinkIdentifier(em, c.id, i.id));
      assert.equal(await unlink(), true);
      assert.equal(await unlink(), false);
    });
  });

  describe('insertTransfer, transferCountForIdentifier', () => {
    it('counts a case’s transfers to one identifier; the loss trigger totals them', async () => {
      const c = await makeCase(db);
      const v = await makeVictim(db.admin, c.id);
      const i = await makeIdentifier(db.admin);
      const j = await makeIdentifier(db.admin);
      await link(db.admin, c.id, i.id);
      const count = () => repo.transaction((em) => repo.transferCountForIdentifier(em, c.id, i.id));
      assert.equal(await count(), 0);
      for (const amountFen of [100, 250])
        await repo.transaction((em) =>
          repo.insertTransfer(em, {
            caseId: c.id,
            victimId: v,
            identifierId: i.id,
            amountFen,
            transferredAt: '2024-05-01T00:00:00Z',
            channel: 'bank_transfer',
          }),
        );
      assert.equal(await count(), 2);
      assert.equal(
        await repo.transaction((em) => repo.transferCountForIdentifier(em, c.id, j.id)),
        0,
      );
      assert.equal((await repo.findById(db.ds.manager, c.id)).lossFen, '350');
    });

    it('a non-positive amount is refused by the table', async () => {
      const c = await makeCase(db);
      const v = await makeVictim(db.admin, c.id);
      const i = await makeIdentifier(db.admin);
      await assert.rejects(
        repo.transaction((em) =>
          repo.insertTransfer(em, {
            caseId: c.id,
            victimId: v,
            identifierId: i.id,
            amountFen: 0,
            transferredAt: '2024-05-01T00:00:00Z',
            channel: 'bank_transfer',
          }),
        ),
        /check constraint/,
      );
    });
  });

  describe('insertTransition, insertNote, timeline', () => {
    it('merges notes, transitions and evidence oldest first; onlyNotes keeps the notes', async () => {
      const c = await makeCase(db);
      const author = await db.userId('li.officer');
      const note = await repo.transaction((em) => repo.insertNote(em, c.id, author, '第一条'));
      assert.equal(note.type, 'note');
      assert.equal(note.text, '第一条');
      assert.equal(note.actor_id, author);
      await repo.transaction((em) =>
        repo.insertTransition(em, {
          caseId: c.id,
          from: 'reported',
          to: 'registered',
          reason: '立案',
          actorId: author,
        }),
      );
      await repo.transaction((em) => repo.insertNote(em, c.id, null, '第二条'));
      const all = await repo.timeline(c.id);
      assert.deepEqual(
        all.map((r) => [r.type, r.text, r.from_status, r.to_status]),
        [
          ['note', '第一条', null, null],
          ['transition', '立案', 'reported', 'registered'],
          ['note', '第二条', null, null],
        ],
      );
      assert.deepEqual(
        (await repo.timeline(c.id, true)).map((r) => r.text),
        ['第一条', '第二条'],
      );
      assert.deepEqual(await repo.timeline((await makeCase(db)).id), []);
    });
  });

  describe('list and search', () => {
    it('lists the caller’s scope newest first, with each filter and the unit subtree', async () => {
      const tag = unique('标记');
      const a = await makeCase(db, { summary: `${tag} 甲`, reportedAt: '2030-01-01T00:00:00Z' });
      const b = await makeCase(db, {
        summary: `${tag} 乙`,
        reportedAt: '2030-02-01T00:00:00Z',
        status: 'registered',
      });
      const far = await makeCase(db, { unit: 'GY-NM-HX', summary: `${tag} 丙` });
      const ids = async (actor: Actor, q: object) =>
        (await repo.list(actor, { q: tag, ...q })).items.map((c) => c.id);
      assert.deepEqual(await ids(officer, {}), [b.id, a.id]);
      assert.deepEqual(await ids(other, {}), [far.id]);
      assert.deepEqual((await ids(anyScope(), {})).sort(), [a.id, b.id, far.id].sort());
      assert.deepEqual(await ids(officer, { status: 'registered' }), [b.id]);
      assert.deepEqual(await ids(officer, { reportedFrom: '2030-01-15T00:00:00Z' }), [b.id]);
      assert.deepEqual(await ids(officer, { reportedTo: '2030-01-15T00:00:00Z' }), [a.id]);
      assert.deepEqual(await ids(anyScope(), { unitId: await db.unitId('GY-NM') }), [far.id]);
      assert.deepEqual(await ids(officer, { minLossFen: 1 }), []);
      assert.deepEqual(await ids(officer, { fraudType: 'no_such_type' }), []);
      const page1 = await repo.list(officer, { q: tag, limit: 1 });
      assert.deepEqual(
        page1.items.map((c) => c.id),
        [b.id],
      );
      assert.ok(page1.nextCursor);
      const page2 = await repo.list(officer, { q: tag, limit: 1, cursor: page1.nextCursor });
      assert.deepEqual(
        page2.items.map((c) => c.id),
        [a.id],
      );
    });

    it('treats % and _ in the text as themselves', async () => {
      const tag = unique('百分');
      const c = await makeCase(db, { summary: `${tag} 100%_返利` });
      await makeCase(db, { summary: `${tag} 100 返利` });
      assert.deepEqual(
        (await repo.list(officer, { q: `${tag} 100%_` })).items.map((x) => x.id),
        [c.id],
      );
    });

    it('searches by case-number prefix, blind indexes and text; all criteria must match', async () => {
      const prefix = unique('SRCH-');
      const c = await makeCase(db, { caseNo: `${prefix}-1`, summary: '冒充客服' });
      await makeVictim(db.admin, c.id, { idNumberBidx: `${prefix}-id`, phoneBidx: `${prefix}-ph` });
      const d = await makeCase(db, { caseNo: `${prefix}-2`, summary: '刷单' });
      const found = async (actor: Actor, q: object) =>
        (await repo.search(actor, q, {})).items.map((x) => x.id).sort();
      assert.deepEqual(await found(officer, { caseNoPrefix: prefix }), [c.id, d.id].sort());
      assert.deepEqual(await found(officer, { idNumberBidx: `${prefix}-id` }), [c.id]);
      assert.deepEqual(await found(officer, { phoneBidx: `${prefix}-ph` }), [c.id]);
      assert.deepEqual(await found(officer, { caseNoPrefix: prefix, text: '刷单' }), [d.id]);
      assert.deepEqual(await found(officer, { caseNoPrefix: prefix, idNumberBidx: 'nope' }), []);
      assert.deepEqual(await found(other, { caseNoPrefix: prefix }), []);
    });
  });

  describe('unitOfficerIn', () => {
    it('an active officer or supervisor of the unit or below; not others, not disabled ones', async () => {
      const wa = await db.admin.query("SELECT path FROM units WHERE code = 'GY-YY-WA'");
      const yy = await db.admin.query("SELECT path FROM units WHERE code = 'GY-YY'");
      const waPath = (wa as { path: string }[])[0].path;
      const yyPath = (yy as { path: string }[])[0].path;
      const li = await db.userId('li.officer');
      assert.equal(await repo.unitOfficerIn(waPath, li), true);
      assert.equal(await repo.unitOfficerIn(yyPath, li), true);
      assert.equal(await repo.unitOfficerIn(waPath, await db.userId('wang.officer')), false);
      assert.equal(await repo.unitOfficerIn(yyPath, await db.userId('chen.community')), false);
      await db.admin.query('UPDATE users SET disabled_at = now() WHERE id = $1', [li]);
      try {
        assert.equal(await repo.unitOfficerIn(waPath, li), false);
      } finally {
        await db.admin.query('UPDATE users SET disabled_at = NULL WHERE id = $1', [li]);
      }
    });
  });

  describe('plans of the hot statements (after loading 20 000 cases)', () => {
    beforeAll(async () => {
      // Cases spread over many units (a city has dozens of stations), and a unit with a small
      // share, as one unit of many holds in production.
      await loadCases(db, 20_000, await makeStations(db, 60, 'GY', 'PS-'));
      await loadCases(db, 200, ['GY-NM-HX'], 'HX-', '68');
    });

    it('a search by victim ID number reads the blind index', async () => {
      const [search] = await statementsOf(db.ds, () =>
        repo.search(officer, { idNumberBidx: md5Of('idBULK-777') }, {}),
      );
      const plan = planSummary(await explain(db.ds, search.sql, search.params));
      assert.ok(plan.indexes.includes('victims_id_number_bidx'), JSON.stringify(plan));
      assert.ok(!plan.seqScans.includes('victims'), JSON.stringify(plan));
    });

    it('a case’s identifiers read by the case key, not the whole link table', async () => {
      const rows = (await db.admin.query("SELECT id FROM cases WHERE case_no = 'BULK-777'")) as {
        id: string;
      }[];
      const [read] = await statementsOf(db.ds, () => repo.identifiers(rows[0].id));
      const plan = planSummary(await explain(db.ds, read.sql, read.params));
      assert.ok(!plan.seqScans.includes('case_identifiers'), JSON.stringify(plan));
      assert.ok(!plan.seqScans.includes('identifiers'), JSON.stringify(plan));
    });
  });
});
