import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Actor } from '../../../src/common/auth/actor.js';
import { DissuasionsRepository } from '../../../src/cases/dissuasions/dissuasions.repository.js';
import { Dissuasion } from '../../../src/cases/dissuasions/entities/dissuasion.entity.js';
import { TransferFlag } from '../../../src/cases/transfer-flags/entities/transfer-flag.entity.js';
import { openRepoDb, type RepoDb } from '../repo-db.js';
import {
  actorOf,
  anyScope,
  makeCase,
  makeDissuasion,
  makeFlag,
  makeIdentifier,
} from './factories.js';

describe('DissuasionsRepository on PostgreSQL', () => {
  let db: RepoDb;
  let repo: DissuasionsRepository;
  let icbc: string;
  let wa: string; // GY-YY-WA
  let hx: string; // GY-NM-HX
  let officer: Actor;
  let other: Actor;

  beforeAll(async () => {
    db = await openRepoDb([Dissuasion, TransferFlag]);
    repo = new DissuasionsRepository(db.ds);
    icbc = await db.unitId('ICBC-GY');
    wa = await db.unitId('GY-YY-WA');
    hx = await db.unitId('GY-NM-HX');
    officer = await actorOf(db, 'li.officer');
    other = await actorOf(db, 'wang.officer');
  });
  afterAll(() => db.close());

  /** A flag and an open task on it, assigned to `unitId`. */
  const task = async (unitId = wa, o: { dueInSeconds?: number; createdAt?: string } = {}) => {
    const card = await makeIdentifier(db.admin);
    const flagId = await makeFlag(db.admin, { bankUnitId: icbc, payeeAccount: card.value });
    const id = await makeDissuasion(db.admin, { flagId, identifierId: card.id, unitId, ...o });
    return { id, flagId, card };
  };

  describe('insertDissuasions', () => {
    it('one task per flag, due the given time after now; a second insert for a flag is skipped', async () => {
      const card = await makeIdentifier(db.admin);
      const flagId = await makeFlag(db.admin, { bankUnitId: icbc, payeeAccount: card.value });
      const row = {
        flagId,
        identifierId: card.id,
        payerAccount: '6222020000000001',
        payerName: null,
        riskGrade: 'medium' as const,
        unitId: wa,
      };
      const before = Date.now();
      const [made] = await db.ds.transaction((em) =>
        repo.insertDissuasions(em, [row], 30 * 60_000),
      );
      assert.equal(made.flag_id, flagId);
      const dueIn = made.due_at.getTime() - before;
      assert.ok(dueIn > 29 * 60_000 && dueIn < 31 * 60_000, String(dueIn));
      assert.deepEqual(
        await db.ds.transaction((em) => repo.insertDissuasions(em, [row], 30 * 60_000)),
        [],
      );
      assert.deepEqual(await db.ds.transaction((em) => repo.insertDissuasions(em, [], 1)), []);
    });
  });

  describe('listDissuasions, findDissuasionScoped', () => {
    it('tasks of units in scope, newest first, by status and grade; one task only in scope', async () => {
      const a = await task(wa, { createdAt: '2036-01-01T00:00:00Z' });
      const b = await task(wa, { createdAt: '2036-01-02T00:00:00Z' });
      const far = await task(hx, { createdAt: '2036-01-03T00:00:00Z' });
      const ids = async (actor: Actor, q: object = {}) =>
        (await repo.listDissuasions(actor, { limit: 100, ...q })).items.map((d) => d.id);
      const mine = await ids(officer);
      assert.deepEqual(
        mine.filter((x) => x === a.id || x === b.id),
        [b.id, a.id],
      );
      assert.ok(!mine.includes(far.id));
      assert.ok((await ids(anyScope())).includes(far.id));
      assert.ok((await ids(officer, { status: 'open', riskGrade: 'high' })).includes(a.id));
      assert.ok(!(await ids(officer, { status: 'closed' })).includes(a.id));
      assert.ok(!(await ids(officer, { riskGrade: 'low' })).includes(a.id));

      assert.equal((await repo.findDissuasionScoped(officer, a.id))?.id, a.id);
      assert.equal(await repo.findDissuasionScoped(other, a.id), null);
      assert.equal(
        (await db.ds.transaction((em) => repo.findDissuasionScoped(officer, a.id, em, true)))?.id,
        a.id,
      );
    });
  });

  describe('dissuasionDetails, flagOf', () => {
    it('the flag’s payee, amount and bank of each task; the flag itself', async () => {
      const t = await task();
      const details = await repo.dissuasionDetails([t.id]);
      assert.deepEqual(
        [details.get(t.id)?.payee_account, details.get(t.id)?.amount_fen],
        [t.card.value, '100000'],
      );
      assert.ok(details.get(t.id)?.bank_name);
      assert.equal((await repo.dissuasionDetails([])).size, 0);
      const f = await repo.flagOf(db.ds.manager, t.flagId);
      assert.equal(f?.payeeAccount, t.card.value);
      assert.equal(await repo.flagOf(db.ds.manager, '00000000-0000-4000-8000-000000000000'), null);
    });
  });

  describe('insertContact, contactsOf', () => {
    it('records attempts in order; only the first sets first_contact_at', async () => {
      const t = await task();
      const actorId = await db.userId('li.officer');
      const first = await db.ds.transaction((em) =>
        repo.insertContact(em, { dissuasionId: t.id, method: 'phone', note: '未接', actorId }),
      );
      const [{ first_contact_at: firstAt }] = (await db.admin.query(
        'SELECT first_contact_at FROM dissuasions WHERE id = $1',
        [t.id],
      )) as { first_contact_at: Date }[];
      assert.ok(firstAt instanceof Date);
      await new Promise((r) => setTimeout(r, 10));
      const second = await db.ds.transaction((em) =>
        repo.insertContact(em, { dissuasionId: t.id, method: 'visit', note: null, actorId: null }),
      );
      const [{ first_contact_at: still }] = (await db.admin.query(
        'SELECT first_contact_at FROM dissuasions WHERE id = $1',
        [t.id],
      )) as { first_contact_at: Date }[];
      assert.equal(still.getTime(), firstAt.getTime());
      const contacts = await repo.contactsOf([t.id]);
      assert.deepEqual(
        contacts.map((c) => [c.id, c.method, c.note]),
        [
          [first, 'phone', '未接'],
          [second, 'visit', null],
        ],
      );
      assert.deepEqual(await repo.contactsOf([]), []);
    });
  });

  describe('close', () => {
    it('closes an open task once: a second close (or a closed task) answers false', async () => {
      const t = await task();
      const close = () =>
        db.ds.transaction((em) =>
          repo.close(em, {
            id: t.id,
            outcome: 'stopped',
            note: '已劝阻',
            closedBy: null,
            draftCaseId: null,
          }),
        );
      assert.equal(await close(), true);
      assert.equal(await close(), false);
      const [row] = (await db.admin.query(
        'SELECT status, outcome, closed_at FROM dissuasions WHERE id = $1',
        [t.id],
      )) as { status: string; outcome: string; closed_at: Date }[];
      assert.deepEqual([row.status, row.outcome], ['closed', 'stopped']);
      assert.ok(row.closed_at instanceof Date);
    });

    it('a draft case on any outcome but already_paid is refused by the table', async () => {
      const t = await task();
      const c = await makeCase(db);
      await assert.rejects(
        db.ds.transaction((em) =>
          repo.close(em, {
            id: t.id,
            outcome: 'stopped',
            note: null,
            closedBy: null,
            draftCaseId: c.id,
          }),
        ),
        /check constraint/,
      );
    });
  });

  describe('overdue, markEscalated', () => {
    it('of the given tasks: open, never contacted, due (5 s slack); escalation is set once', async () => {
      const due = await task(wa, { dueInSeconds: 3 }); // within the slack
      const later = await task(wa, { dueInSeconds: 3600 });
      const contacted = await task(wa, { dueInSeconds: 1 });
      await db.ds.transaction((em) =>
        repo.insertContact(em, {
          dissuasionId: contacted.id,
          method: 'sms',
          note: null,
          actorId: null,
        }),
      );
      const closed = await task(wa, { dueInSeconds: 1 });
      await db.ds.transaction((em) =>
        repo.close(em, {
          id: closed.id,
          outcome: 'unreachable',
          note: null,
          closedBy: null,
          draftCaseId: null,
        }),
      );
      const rows = await repo.overdue([due.id, later.id, contacted.id, closed.id]);
      assert.deepEqual(
        rows.map((r) => r.id),
        [due.id],
      );
      assert.equal(rows[0].unit_id, wa);
      assert.equal(rows[0].payee_account, due.card.value);
      assert.deepEqual(await repo.overdue([]), []);

      await repo.markEscalated([due.id]);
      const at = async () =>
        (
          (await db.admin.query('SELECT escalated_at FROM dissuasions WHERE id = $1', [
            due.id,
          ])) as { escalated_at: Date }[]
        )[0].escalated_at.getTime();
      const first = await at();
      await new Promise((r) => setTimeout(r, 10));
      await repo.markEscalated([due.id]);
      assert.equal(await at(), first);
      await repo.markEscalated([]);
    });
  });
});
