import { describe, it, beforeAll, afterAll, beforeEach } from '@jest/globals';
import assert from 'node:assert/strict';
import { Coordinator } from '../../../src/alerts/coordinators/entities/coordinator.entity.js';
import {
  CLAIM_ROWS_SQL,
  DeliveriesRepository,
  FAN_OUT_SQL,
} from '../../../src/alerts/deliveries/deliveries.repository.js';
import {
  computedInsertSql,
  OutboxRepository,
} from '../../../src/common/outbox/outbox.repository.js';
import { Delivery } from '../../../src/alerts/deliveries/entities/delivery.entity.js';
import { Warning } from '../../../src/alerts/warnings/entities/warning.entity.js';
import { explain, openRepoDb, planSummary, RepoDb } from '../repo-db.js';
import {
  DeliveryRow,
  deliveryState,
  fillRobotLog,
  makeCoordinator,
  makeDelivery,
  makeWarning,
  robotSends,
} from './factories.js';

const ROBOT = { max: 20, windowMs: 60_000 };
const STALE_MS = 30_000;

describe('DeliveriesRepository on PostgreSQL', () => {
  let db: RepoDb;
  let repo: DeliveriesRepository;
  let station: string; // GY-YY-QL: two communities under it
  let ds1: string; // GY-YY-QL-DS
  let qldl: string; // GY-YY-QL-QLDL
  let xh: string; // GY-NM-HX-XH, outside
  let supervisor: string;

  beforeAll(async () => {
    db = await openRepoDb([Warning, Coordinator, Delivery]);
    repo = new DeliveriesRepository(db.ds);
    station = await db.unitId('GY-YY-QL');
    ds1 = await db.unitId('GY-YY-QL-DS');
    qldl = await db.unitId('GY-YY-QL-QLDL');
    xh = await db.unitId('GY-NM-HX-XH');
    supervisor = await db.userId('wu.supervisor');
  });
  afterAll(() => db.close());

  const published = (targets: string[] = [ds1]) =>
    makeWarning(db.admin, {
      unitId: station,
      targets,
      status: 'published',
      approvedBy: supervisor,
    });
  const claim = (ids: string[], staleMs = STALE_MS, robot = ROBOT) =>
    repo.claimRows(ids, staleMs, robot);

  describe('the fan-out (FAN_OUT_SQL through OutboxRepository.insertComputed)', () => {
    const outbox = new OutboxRepository();
    /** The fan-out as DeliveriesService runs it, in a transaction; the events it wrote. */
    const fanOut = (w: string, perJob = 2) =>
      db.ds.transaction(async (em) => {
        const before = (await em.query('SELECT coalesce(max(id), 0) AS id FROM outbox')) as {
          id: string;
        }[];
        const r = await outbox.insertComputed(em, 'alerts-deliver', 'alerts-deliver', FAN_OUT_SQL, [
          w,
          perJob,
        ]);
        const events = (await em.query(
          `SELECT queue, job_name, payload, delay_ms FROM outbox WHERE id > $1 ORDER BY id`,
          [before[0].id],
        )) as {
          queue: string;
          job_name: string;
          payload: { deliveryIds: string[] };
          delay_ms: number;
        }[];
        return { created: Number(r.created), events: r.events, rows: events };
      });

    it('creates one row per enabled coordinator under the targets, enqueues the sent ones in chunks, and nothing on a replay', async () => {
      const a = await makeCoordinator(db.admin, { communityId: ds1 });
      const b = await makeCoordinator(db.admin, { communityId: qldl, channel: 'manual' });
      const c = await makeCoordinator(db.admin, { communityId: qldl });
      const d = await makeCoordinator(db.admin, { communityId: ds1 });
      await makeCoordinator(db.admin, { communityId: qldl, enabled: false });
      const outside = await makeCoordinator(db.admin, { communityId: xh });
      const w = await published([station]);
      const first = await fanOut(w, 2);
      const rows = (await db.admin.query(
        'SELECT id, coordinator_id, channel FROM deliveries WHERE warning_id = $1',
        [w],
      )) as { id: string; coordinator_id: string; channel: string }[];
      const reached = rows.map((r) => r.coordinator_id);
      for (const id of [a, b, c, d]) assert.ok(reached.includes(id));
      assert.ok(!reached.includes(outside));
      assert.equal(first.created, rows.length);
      // Every row a channel sends is in exactly one job of at most 2; the manual row in none.
      const enqueued = first.rows.flatMap((e) => e.payload.deliveryIds);
      const sendable = rows.filter((r) => r.channel !== 'manual').map((r) => r.id);
      assert.deepEqual([...enqueued].sort(), [...sendable].sort());
      assert.equal(first.events, Math.ceil(sendable.length / 2));
      for (const e of first.rows) {
        assert.equal(e.queue, 'alerts-deliver');
        assert.equal(e.job_name, 'alerts-deliver');
        assert.equal(e.delay_ms, 0);
        assert.ok(e.payload.deliveryIds.length >= 1 && e.payload.deliveryIds.length <= 2);
      }
      const replay = await fanOut(w, 2);
      assert.equal(replay.created, 0);
      assert.equal(replay.events, 0);
      assert.deepEqual(replay.rows, []);
    });

    it('creates nothing for a warning without targets', async () => {
      const w = await published([]);
      const r = await fanOut(w);
      assert.equal(r.created, 0);
      assert.equal(r.events, 0);
    });
  });

  describe('insertWithdrawals and cancelUnsent', () => {
    it('notices go to the sent and acknowledged only; the queued are cancelled', async () => {
      const w = await published();
      const sent = await makeCoordinator(db.admin, { communityId: ds1 });
      const acked = await makeCoordinator(db.admin, { communityId: ds1 });
      const queued = await makeCoordinator(db.admin, { communityId: ds1 });
      const sending = await makeCoordinator(db.admin, { communityId: ds1 });
      const disabled = await makeCoordinator(db.admin, { communityId: ds1 });
      await makeDelivery(db.admin, { warningId: w, coordinatorId: sent, status: 'sent' });
      await makeDelivery(db.admin, { warningId: w, coordinatorId: acked, status: 'acknowledged' });
      const q = await makeDelivery(db.admin, { warningId: w, coordinatorId: queued });
      const s = await makeDelivery(db.admin, {
        warningId: w,
        coordinatorId: sending,
        status: 'sending',
      });
      await makeDelivery(db.admin, { warningId: w, coordinatorId: disabled, status: 'sent' });
      await db.admin.query('UPDATE coordinators SET enabled = false WHERE id = $1', [disabled]);

      assert.equal(await repo.cancelUnsent(db.ds.manager, w), 1);
      assert.equal((await deliveryState(db.admin, q)).status, 'cancelled');
      assert.equal((await deliveryState(db.admin, q)).last_error, 'warning withdrawn');
      assert.equal((await deliveryState(db.admin, s)).status, 'sending');
      assert.equal(await repo.cancelUnsent(db.ds.manager, w), 0);

      const notices = await repo.insertWithdrawals(db.ds.manager, w);
      assert.equal(notices.length, 2);
      assert.deepEqual(await repo.insertWithdrawals(db.ds.manager, w), []);
    });

    it('one delivery only when named', async () => {
      const w = await published();
      const c1 = await makeCoordinator(db.admin, { communityId: ds1 });
      const c2 = await makeCoordinator(db.admin, { communityId: ds1 });
      const d1 = await makeDelivery(db.admin, { warningId: w, coordinatorId: c1, status: 'sent' });
      await makeDelivery(db.admin, { warningId: w, coordinatorId: c2, status: 'sent' });
      const notices = await repo.insertWithdrawals(db.ds.manager, w, d1);
      assert.equal(notices.length, 1);
    });
  });

  describe('claimRows / claimWork', () => {
    it('claims a queued row: sending, claimed now, one attempt more', async () => {
      const w = await published();
      const c = await makeCoordinator(db.admin, { communityId: ds1, channel: 'webhook' });
      const d = await makeDelivery(db.admin, { warningId: w, coordinatorId: c, attempts: 2 });
      const [row] = await claim([d]);
      assert.ok(row.claimed_now);
      assert.equal(row.reserved, false);
      assert.equal(row.coordinator_id, c);
      assert.equal(row.warning_id, w);
      const after = await deliveryState(db.admin, d);
      assert.equal(after.status, 'sending');
      assert.equal(after.attempts, 3);
      // Claimed: a second claim finds it taken and fresh.
      const [again] = await claim([d]);
      assert.equal(again.claimed_now, null);
      assert.equal(again.status, 'sending');
      assert.equal(again.stale, false);
    });

    it('takes over a stale claim, not a fresh one', async () => {
      const w = await published();
      const c = await makeCoordinator(db.admin, { communityId: ds1, channel: 'webhook' });
      const fresh = await makeDelivery(db.admin, {
        warningId: w,
        coordinatorId: c,
        status: 'sending',
        claimedAgoMs: 1_000,
      });
      const c2 = await makeCoordinator(db.admin, { communityId: ds1, channel: 'webhook' });
      const stale = await makeDelivery(db.admin, {
        warningId: w,
        coordinatorId: c2,
        status: 'sending',
        claimedAgoMs: STALE_MS + 5_000,
      });
      const rows = await claim([fresh, stale]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      assert.equal(byId.get(fresh)?.claimed_now, null);
      assert.ok(byId.get(stale)?.claimed_now);
      assert.equal(byId.get(stale)?.stale, true);
    });

    it('claims nothing that must not go: manual, withdrawn, disabled, broken, done, unknown', async () => {
      const w = await published();
      const gone = await makeWarning(db.admin, {
        unitId: station,
        targets: [ds1],
        status: 'withdrawn',
        approvedBy: supervisor,
      });
      const manual = await makeCoordinator(db.admin, { communityId: ds1, channel: 'manual' });
      const ok = await makeCoordinator(db.admin, { communityId: ds1 });
      const off = await makeCoordinator(db.admin, { communityId: ds1, enabled: false });
      const broken = await makeCoordinator(db.admin, { communityId: ds1, brokenAt: new Date() });
      const ids = {
        manual: await makeDelivery(db.admin, { warningId: w, coordinatorId: manual }),
        withdrawn: await makeDelivery(db.admin, { warningId: gone, coordinatorId: ok }),
        disabled: await makeDelivery(db.admin, { warningId: w, coordinatorId: off }),
        broken: await makeDelivery(db.admin, { warningId: w, coordinatorId: broken }),
        sent: await makeDelivery(db.admin, { warningId: w, coordinatorId: ok, status: 'sent' }),
      };
      const rows = await claim([...Object.values(ids), '00000000-0000-4000-8000-000000000000']);
      const byId = new Map(rows.map((r) => [r.id, r]));
      // Neither queued nor sending, or no such row: not read at all.
      assert.equal(byId.has(ids.sent), false);
      assert.equal(rows.length, 4);
      for (const r of rows) assert.equal(r.claimed_now, null, r.id);
      assert.equal(byId.get(ids.withdrawn)?.warning_status, 'withdrawn');
      assert.equal(byId.get(ids.disabled)?.enabled, false);
      assert.ok(byId.get(ids.broken)?.channel_broken_at);
      for (const id of Object.values(ids))
        assert.notEqual((await deliveryState(db.admin, id)).status, 'sending');
      // The broken and disabled robots were not charged.
      assert.equal(await robotSends(db.admin, await robotOf(broken)), 0);
      assert.equal(await robotSends(db.admin, await robotOf(off)), 0);
    });

    it('a withdrawal notice goes although its warning is withdrawn', async () => {
      const gone = await makeWarning(db.admin, {
        unitId: station,
        targets: [ds1],
        status: 'withdrawn',
        approvedBy: supervisor,
      });
      const c = await makeCoordinator(db.admin, { communityId: ds1 });
      const d = await makeDelivery(db.admin, {
        warningId: gone,
        coordinatorId: c,
        kind: 'withdrawal',
      });
      const [row] = await claim([d]);
      assert.ok(row.claimed_now);
      assert.equal(row.reserved, true);
    });

    const robotOf = async (coordinatorId: string) =>
      (
        (await db.admin.query('SELECT robot_key_hash FROM coordinators WHERE id = $1', [
          coordinatorId,
        ])) as { robot_key_hash: string }[]
      )[0].robot_key_hash;

    it('reserves one send per robot per statement; later rows of that robot are crowded', async () => {
      const w = await published();
      const robot = `shared-${Date.now()}`;
      const c1 = await makeCoordinator(db.admin, { communityId: ds1, robot });
      const c2 = await makeCoordinator(db.admin, { communityId: ds1, robot });
      const d1 = await makeDelivery(db.admin, { warningId: w, coordinatorId: c1 });
      const d2 = await makeDelivery(db.admin, { warningId: w, coordinatorId: c2 });
      const rows = await claim([d1, d2]);
      const [first, second] = [d1, d2].sort().map((id) => rows.find((r) => r.id === id)!);
      assert.ok(first.claimed_now);
      assert.equal(first.reserved, true);
      assert.equal(first.crowded, false);
      assert.equal(second.claimed_now, null);
      assert.equal(second.crowded, true);
      assert.equal(await robotSends(db.admin, robot), 1);
      // On its own, the crowded row gets the robot's next send.
      const [alone] = await claim([second.id]);
      assert.ok(alone.claimed_now);
      assert.equal(await robotSends(db.admin, robot), 2);
    });

    it('claimWork batches concurrent calls and still claims each row of one robot once', async () => {
      const w = await published();
      const robot = `batched-${Date.now()}`;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const c = await makeCoordinator(db.admin, { communityId: ds1, robot });
        ids.push(await makeDelivery(db.admin, { warningId: w, coordinatorId: c }));
      }
      const rows = await Promise.all(
        [...ids, ids[0]].map((id) => repo.claimWork(id, STALE_MS, ROBOT)),
      );
      assert.equal(rows.filter((r) => r?.claimed_now).length, 5);
      assert.equal(await robotSends(db.admin, robot), 5);
    });

    it('claimSlice: concurrent slices share statements; an id asked twice is claimed once', async () => {
      const w = await published();
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const c = await makeCoordinator(db.admin, { communityId: ds1, channel: 'webhook' });
        ids.push(await makeDelivery(db.admin, { warningId: w, coordinatorId: c }));
      }
      const slices = [ids.slice(0, 2), ids.slice(2, 4), [ids[3], ids[4], ids[5]], [ids[5]]];
      const answers = await Promise.all(slices.map((s) => repo.claimSlice(s, STALE_MS, ROBOT)));
      const claimed = answers.flat().filter((r) => r.claimed_now);
      assert.deepEqual(claimed.map((r) => r.id).sort(), [...ids].sort());
      // Each answer holds only the ids its slice asked for.
      answers.forEach((rows, i) => rows.forEach((r) => assert.ok(slices[i].includes(r.id))));
      // The ids asked twice came back once claimed and once crowded, to be looked at again.
      assert.equal(answers.flat().filter((r) => r.crowded).length, answers.flat().length - 6);
    });

    it('the robot budget: at most `max` sends in the window, older sends leave it', async () => {
      const w = await published();
      const full = `full-${Date.now()}`;
      await fillRobotLog(
        db.admin,
        full,
        Array.from({ length: 20 }, (_, i) => 1_000 + i * 100),
      );
      const cFull = await makeCoordinator(db.admin, { communityId: ds1, robot: full });
      const dFull = await makeDelivery(db.admin, { warningId: w, coordinatorId: cFull });
      const [spent] = await claim([dFull]);
      assert.equal(spent.claimed_now, null);
      assert.equal(spent.reserved, false);
      assert.equal((await deliveryState(db.admin, dFull)).status, 'queued');
      assert.equal(await robotSends(db.admin, full), 20);

      const old = `old-${Date.now()}`;
      await fillRobotLog(db.admin, old, [
        ...Array.from({ length: 20 }, () => 61_000),
        ...Array.from({ length: 19 }, () => 1_000),
      ]);
      const cOld = await makeCoordinator(db.admin, { communityId: ds1, robot: old });
      const dOld = await makeDelivery(db.admin, { warningId: w, coordinatorId: cOld });
      const [room] = await claim([dOld]);
      assert.ok(room.claimed_now);
      assert.equal(room.reserved, true);
      // The 20 sends that left the window are pruned; the 19 left and this one make 20.
      assert.equal(await robotSends(db.admin, old), 20);
    });

    it('waits for a row another transaction holds, then sees its outcome', async () => {
      const w = await published();
      const c = await makeCoordinator(db.admin, { communityId: ds1, channel: 'webhook' });
      const d = await makeDelivery(db.admin, { warningId: w, coordinatorId: c });
      const other = db.admin.createQueryRunner();
      await other.connect();
      await other.startTransaction();
      await other.query(
        "UPDATE deliveries SET status = 'sending', claimed_at = now(), attempts = attempts + 1 WHERE id = $1",
        [d],
      );
      let settled = false;
      const pending = claim([d]).then((r) => {
        settled = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(settled, false, 'the claim waits on the row lock');
      await other.commitTransaction();
      await other.release();
      const [row] = await pending;
      assert.equal(row.claimed_now, null);
      assert.equal(row.status, 'sending');
      assert.equal((await deliveryState(db.admin, d)).attempts, 1);
    });

    it('two claims of the same row at once: exactly one wins', async () => {
      const w = await published();
      const c = await makeCoordinator(db.admin, { communityId: ds1, channel: 'webhook' });
      const d = await makeDelivery(db.admin, { warningId: w, coordinatorId: c });
      const results = await Promise.all([claim([d]), claim([d]), claim([d])]);
      assert.equal(results.filter(([r]) => r?.claimed_now).length, 1);
    });
  });

  describe('the marks after a send', () => {
    const sendingRow = async (warningId: string, kind: 'warning' | 'withdrawal' = 'warning') => {
      const c = await makeCoordinator(db.admin, { communityId: ds1 });
      return makeDelivery(db.admin, { warningId, coordinatorId: c, status: 'sending', kind });
    };

    it('markSentIfPublished: sent while published; not while withdrawn (a notice: yes)', async () => {
      const w = await published();
      const gone = await makeWarning(db.admin, {
        unitId: station,
        targets: [ds1],
        status: 'withdrawn',
        approvedBy: supervisor,
      });
      const a = await sendingRow(w);
      const b = await sendingRow(gone);
      const n = await sendingRow(gone, 'withdrawal');
      const [ra, rb, rn] = await Promise.all([
        repo.markSentIfPublished(a, w),
        repo.markSentIfPublished(b, gone),
        repo.markSentIfPublished(n, gone),
      ]);
      assert.deepEqual([ra, rb, rn], [true, false, true]);
      assert.equal((await deliveryState(db.admin, a)).status, 'sent');
      assert.ok((await deliveryState(db.admin, a)).sent_at);
      assert.equal((await deliveryState(db.admin, b)).status, 'sending');
      // Not claimed (any more): nothing to mark.
      assert.equal(await repo.markSentIfPublished(a, w), false);
    });

    it('markSent marks a claimed row only', async () => {
      const w = await published();
      const d = await sendingRow(w);
      assert.equal(await repo.markSent(db.ds.manager, d), true);
      assert.equal(await repo.markSent(db.ds.manager, d), false);
    });

    it('every end of a row clears its next attempt, and the schema refuses one that does not', async () => {
      const w = await published();
      const [sent, viaMark, failed, queued, manualC] = [
        await sendingRow(w),
        await sendingRow(w),
        await sendingRow(w),
        await makeDelivery(db.admin, {
          warningId: w,
          coordinatorId: await makeCoordinator(db.admin, { communityId: ds1 }),
        }),
        await makeCoordinator(db.admin, { communityId: ds1, channel: 'manual' }),
      ];
      const manual = await makeDelivery(db.admin, { warningId: w, coordinatorId: manualC });
      assert.equal(await repo.markSentIfPublished(sent, w), true);
      assert.equal(await repo.markSent(db.ds.manager, viaMark), true);
      await repo.markFailed(failed, 'boom');
      await repo.cancel(queued, 'coordinator disabled');
      assert.equal((await repo.takeManualPending(db.ds.manager, manualC)).length, 1);
      for (const id of [sent, viaMark, failed, queued, manual]) {
        const s = await deliveryState(db.admin, id);
        assert.ok(['sent', 'failed', 'cancelled'].includes(s.status), s.status);
        assert.equal(s.next_attempt_at, null, `${s.status}: ${String(s.next_attempt_at)}`);
      }
      // A writer that forgets: the row would stay in the sweeper's index for ever.
      const open = await sendingRow(w);
      await assert.rejects(
        db.admin.query("UPDATE deliveries SET status = 'sent', sent_at = now() WHERE id = $1", [
          open,
        ]),
        (err: { code?: string; constraint?: string }) =>
          err.code === '23514' && err.constraint === 'deliveries_next_attempt_open',
      );
    });

    it('requeue: back to queued later; a 45009 gives the attempt back', async () => {
      const w = await published();
      const c = await makeCoordinator(db.admin, { communityId: ds1 });
      const d = await makeDelivery(db.admin, {
        warningId: w,
        coordinatorId: c,
        status: 'sending',
        attempts: 2,
      });
      await repo.requeue(d, 'x'.repeat(2000), 5_000, false);
      let s = await deliveryState(db.admin, d);
      assert.equal(s.status, 'queued');
      assert.equal(s.attempts, 1);
      assert.equal(s.last_error?.length, 1000);
      assert.ok(new Date(s.next_attempt_at ?? 0).getTime() > Date.now() + 3_000);
      // Only a claimed row goes back.
      await repo.requeue(d, 'again', 0, true);
      assert.equal((await deliveryState(db.admin, d)).last_error?.length, 1000);
      await db.admin.query(
        "UPDATE deliveries SET status = 'sending', claimed_at = now() WHERE id = $1",
        [d],
      );
      await repo.requeue(d, 'err', 0, true);
      s = await deliveryState(db.admin, d);
      assert.equal(s.attempts, 1);
      assert.equal(s.last_error, 'err');
    });

    it('postpone moves a queued row only', async () => {
      const w = await published();
      const c = await makeCoordinator(db.admin, { communityId: ds1 });
      const q = await makeDelivery(db.admin, { warningId: w, coordinatorId: c });
      await repo.postpone(q, 10_000);
      assert.ok(
        new Date((await deliveryState(db.admin, q)).next_attempt_at ?? 0).getTime() >
          Date.now() + 8_000,
      );
      const s = await sendingRow(w);
      const before = (await deliveryState(db.admin, s)).next_attempt_at;
      await repo.postpone(s, 10_000);
      assert.deepEqual((await deliveryState(db.admin, s)).next_attempt_at, before);
    });

    it('markFailed: queued or sending; cancel: queued only', async () => {
      const w = await published();
      const s = await sendingRow(w);
      await repo.markFailed(s, 'boom');
      assert.equal((await deliveryState(db.admin, s)).status, 'failed');
      const c = await makeCoordinator(db.admin, { communityId: ds1 });
      const sent = await makeDelivery(db.admin, { warningId: w, coordinatorId: c, status: 'sent' });
      await repo.markFailed(sent, 'late');
      await repo.cancel(sent, 'late');
      assert.equal((await deliveryState(db.admin, sent)).status, 'sent');
      const c2 = await makeCoordinator(db.admin, { communityId: ds1 });
      const q = await makeDelivery(db.admin, { warningId: w, coordinatorId: c2 });
      await repo.cancel(q, 'coordinator disabled');
      assert.equal((await deliveryState(db.admin, q)).status, 'cancelled');
      assert.equal((await deliveryState(db.admin, q)).last_error, 'coordinator disabled');
    });
  });

  describe('overdueDeliveries', () => {
    beforeEach(async () => {
      // Each test sees only its own overdue rows.
      await db.admin.query(
        "UPDATE deliveries SET status = 'cancelled', next_attempt_at = NULL WHERE status IN ('queued','sending')",
      );
    });

    it('the long-overdue queued and the abandoned claims, due again now; not the rest', async () => {
      const w = await published();
      const mk = async (o: Omit<DeliveryRow, 'warningId' | 'coordinatorId'>) => {
        const c = await makeCoordinator(db.admin, {
          communityId: ds1,
          channel: o.channel ?? 'webhook',
        });
        return makeDelivery(db.admin, { warningId: w, coordinatorId: c, ...o });
      };
      const overdue = await mk({ nextAttemptInMs: -120_000 });
      const recent = await mk({ nextAttemptInMs: -1_000 });
      const abandoned = await mk({
        status: 'sending',
        claimedAgoMs: 120_000,
        nextAttemptInMs: -120_000,
      });
      const working = await mk({
        status: 'sending',
        claimedAgoMs: 1_000,
        nextAttemptInMs: -120_000,
      });
      const manual = await mk({ channel: 'manual', nextAttemptInMs: -120_000 });
      const ids = await db.ds.transaction((em) => repo.overdueDeliveries(em, 60_000, STALE_MS));
      assert.deepEqual([...ids].sort(), [overdue, abandoned].sort());
      assert.ok(
        new Date((await deliveryState(db.admin, overdue)).next_attempt_at ?? 0).getTime() >
          Date.now() - 5_000,
      );
      for (const id of [recent, working, manual]) assert.ok(!ids.includes(id));
      // Due again now: the next sweep finds them not yet overdue.
      assert.deepEqual(
        await db.ds.transaction((em) => repo.overdueDeliveries(em, 60_000, STALE_MS)),
        [],
      );
    });

    it('skips rows another transaction holds (SKIP LOCKED), so two sweepers never wait', async () => {
      const w = await published();
      const c1 = await makeCoordinator(db.admin, { communityId: ds1 });
      const c2 = await makeCoordinator(db.admin, { communityId: ds1 });
      const held = await makeDelivery(db.admin, {
        warningId: w,
        coordinatorId: c1,
        nextAttemptInMs: -120_000,
      });
      const free = await makeDelivery(db.admin, {
        warningId: w,
        coordinatorId: c2,
        nextAttemptInMs: -120_000,
      });
      const other = db.admin.createQueryRunner();
      await other.connect();
      await other.startTransaction();
      await other.query('SELECT id FROM deliveries WHERE id = $1 FOR UPDATE', [held]);
      try {
        const ids = await db.ds.transaction((em) => repo.overdueDeliveries(em, 60_000, STALE_MS));
        assert.deepEqual(ids, [free]);
      } finally {
        await other.rollbackTransaction();
        await other.release();
      }
    });
  });

  describe('reads and the coordinator side', () => {
    it('deliveriesOf: every row of the warning with its coordinator, by kind then group', async () => {
      const w = await published();
      const c1 = await makeCoordinator(db.admin, { communityId: ds1, groupName: 'B群' });
      const c2 = await makeCoordinator(db.admin, { communityId: ds1, groupName: 'A群' });
      await makeDelivery(db.admin, { warningId: w, coordinatorId: c1, status: 'sent' });
      await makeDelivery(db.admin, { warningId: w, coordinatorId: c2 });
      await makeDelivery(db.admin, { warningId: w, coordinatorId: c1, kind: 'withdrawal' });
      const rows = await repo.deliveriesOf(w);
      assert.deepEqual(
        rows.map((r) => [r.kind, r.group_name, r.status]),
        [
          ['warning', 'A群', 'queued'],
          ['warning', 'B群', 'sent'],
          ['withdrawal', 'B群', 'queued'],
        ],
      );
      assert.deepEqual(await repo.deliveriesOf('00000000-0000-4000-8000-000000000000'), []);
    });

    it('deliveryWithCommunity maps the row and its community path; acknowledge once', async () => {
      const w = await published();
      const c = await makeCoordinator(db.admin, { communityId: ds1 });
      const d = await makeDelivery(db.admin, { warningId: w, coordinatorId: c, status: 'sent' });
      const row = await repo.deliveryWithCommunity(d);
      const [unit] = (await db.admin.query('SELECT path FROM units WHERE id = $1', [ds1])) as {
        path: string;
      }[];
      assert.equal(row?.communityPath, unit.path);
      assert.equal(row?.warningId, w);
      assert.equal(row?.status, 'sent');
      assert.equal(
        await repo.deliveryWithCommunity('00000000-0000-4000-8000-000000000000'),
        undefined,
      );

      const first = new Date('2026-11-30T01:00:00Z');
      const officer = await db.userId('chen.community');
      const at = await repo.acknowledge(db.ds.manager, d, first, officer);
      assert.equal(at && new Date(at).getTime(), first.getTime());
      // A second acknowledgement keeps the first time and person.
      const again = await repo.acknowledge(db.ds.manager, d, new Date(), null);
      assert.equal(again && new Date(again).getTime(), first.getTime());
      const q = await makeDelivery(db.admin, {
        warningId: w,
        coordinatorId: await makeCoordinator(db.admin, { communityId: ds1 }),
      });
      assert.equal(await repo.acknowledge(db.ds.manager, q, first, null), null);
    });

    it('takeManualPending hands over the queued manual rows of that coordinator', async () => {
      const w = await published();
      const gone = await makeWarning(db.admin, {
        unitId: station,
        targets: [ds1],
        status: 'withdrawn',
        approvedBy: supervisor,
      });
      const draft = await makeWarning(db.admin, { unitId: station, targets: [ds1] });
      const c = await makeCoordinator(db.admin, { communityId: ds1, channel: 'manual' });
      const other = await makeCoordinator(db.admin, { communityId: ds1, channel: 'manual' });
      const mine = await makeDelivery(db.admin, { warningId: w, coordinatorId: c });
      const notice = await makeDelivery(db.admin, {
        warningId: gone,
        coordinatorId: c,
        kind: 'withdrawal',
      });
      await makeDelivery(db.admin, { warningId: gone, coordinatorId: c });
      await makeDelivery(db.admin, { warningId: draft, coordinatorId: c });
      await makeDelivery(db.admin, { warningId: w, coordinatorId: other });
      const rows = await repo.takeManualPending(db.ds.manager, c);
      assert.deepEqual(rows.map((r) => r.id).sort(), [mine, notice].sort());
      assert.equal((await deliveryState(db.admin, mine)).status, 'sent');
      assert.equal((await deliveryState(db.admin, mine)).attempts, 1);
      assert.deepEqual(await repo.takeManualPending(db.ds.manager, c), []);
    });
  });

  describe('robotBudgetWaitMs', () => {
    it('1 when the robot has no log or room; else until the oldest counted send leaves', async () => {
      assert.equal(await repo.robotBudgetWaitMs(`none-${Date.now()}`, 20, 60_000), 1);
      const some = `some-${Date.now()}`;
      await fillRobotLog(db.admin, some, [5_000, 4_000]);
      assert.equal(await repo.robotBudgetWaitMs(some, 20, 60_000), 1);
      const full = `fullwait-${Date.now()}`;
      // 3 sends, max 2: the wait is for the 2nd newest (10 s ago) to leave the 60 s window.
      await fillRobotLog(db.admin, full, [50_000, 10_000, 5_000]);
      const wait = await repo.robotBudgetWaitMs(full, 2, 60_000);
      assert.ok(wait > 48_000 && wait <= 50_000, String(wait));
      // Sends older than the window do not count.
      const stale = `stalewait-${Date.now()}`;
      await fillRobotLog(db.admin, stale, [90_000, 80_000, 5_000]);
      assert.equal(await repo.robotBudgetWaitMs(stale, 2, 60_000), 1);
    });
  });

  describe('plans', () => {
    beforeAll(async () => {
      // Enough rows that a scan of the whole table would lose: 400 communities of 40 coordinators,
      // 20,000 deliveries.
      await db.admin.query(`
        WITH st AS (SELECT id, path FROM units WHERE code = 'GY-NM-HX')
        INSERT INTO units (id, parent_id, kind, code, name, path)
        SELECT g.id, st.id, 'community', 'PLAN-' || g.n, '社区' || g.n, st.path || g.id || '/'
        FROM st, (SELECT n, gen_random_uuid() AS id FROM generate_series(1, 400) n) g`);
      await db.admin.query(`
        INSERT INTO coordinators (name, phone, community_id, group_name, channel, webhook_url_enc,
          robot_key_hash)
        SELECT '协调员', '13800138000', u.id, '群' || g, 'wecom_bot', 'enc', 'plan-' || u.code || '-' || g
        FROM units u, generate_series(1, 40) g WHERE u.code LIKE 'PLAN-%'`);
      const w = await published([xh]);
      await db.admin.query(
        `INSERT INTO deliveries (warning_id, coordinator_id, channel)
         SELECT $1, id, channel FROM coordinators LIMIT 20000`,
        [w],
      );
      await db.admin.query(
        'ANALYZE units; ANALYZE coordinators; ANALYZE deliveries; ANALYZE warnings; ANALYZE warning_targets',
      );
    });

    it('the claim reads its rows by primary key, no table scanned whole', async () => {
      const ids = (
        (await db.admin.query('SELECT id FROM deliveries LIMIT 50')) as { id: string }[]
      ).map((r) => r.id);
      const plan = planSummary(await explain(db.ds, CLAIM_ROWS_SQL, [ids, 30, 20, 60]));
      assert.ok(plan.indexes.includes('deliveries_pkey'), JSON.stringify(plan));
      assert.ok(plan.indexes.includes('coordinators_pkey'), JSON.stringify(plan));
      assert.deepEqual(
        plan.seqScans.filter((t) => ['deliveries', 'coordinators'].includes(t)),
        [],
        JSON.stringify(plan),
      );
    });

    it('a claim writes no index entry: a heap-only update of each row it claims', async () => {
      // One queued row per page: the page has room for the claimed version (fillfactor 70).
      const ids = (
        (await db.admin.query(
          `SELECT DISTINCT ON ((d.ctid::text::point)[0]) d.id FROM deliveries d
           JOIN coordinators co ON co.id = d.coordinator_id
           WHERE d.status = 'queued' AND co.robot_key_hash LIKE 'plan-%'
           ORDER BY (d.ctid::text::point)[0], d.id LIMIT 50`,
        )) as { id: string }[]
      ).map((r) => r.id);
      assert.ok(ids.length >= 20, String(ids.length));
      const qr = db.admin.createQueryRunner();
      await qr.startTransaction();
      // This backend's counts not yet flushed to the shared statistics: they may hold earlier
      // statements of the pooled connection too (PostgreSQL 15), so the claim's are the difference.
      const counts = async () =>
        (
          (await qr.query(
            `SELECT n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot
           FROM pg_stat_xact_user_tables WHERE relname = 'deliveries'`,
          )) as { upd: number; hot: number }[]
        )[0];
      try {
        const before = await counts();
        const rows = (await qr.query(CLAIM_ROWS_SQL, [ids, 30, 20, 60])) as {
          claimed_now: Date | null;
        }[];
        assert.equal(rows.filter((r) => r.claimed_now).length, ids.length);
        const after = await counts();
        assert.deepEqual(
          { upd: after.upd - before.upd, hot: after.hot - before.hot },
          { upd: ids.length, hot: ids.length },
        );
      } finally {
        await qr.rollbackTransaction();
        await qr.release();
      }
    });

    it('the fan-out insert finds a community’s coordinators by index', async () => {
      const [one] = (await db.admin.query("SELECT id FROM units WHERE code = 'PLAN-7'")) as {
        id: string;
      }[];
      const w = await published([one.id]);
      const plan = planSummary(
        await explain(db.ds, computedInsertSql(FAN_OUT_SQL, 2), [
          w,
          100,
          'alerts-deliver',
          'alerts-deliver',
        ]),
      );
      assert.ok(plan.indexes.includes('coordinators_community_idx'), JSON.stringify(plan));
      assert.equal(plan.seqScans.includes('coordinators'), false, JSON.stringify(plan));
    });
  });
});
