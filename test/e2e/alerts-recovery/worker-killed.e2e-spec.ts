import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { bootApp, describeEachBackend, eventually, TestApp } from '../../harness.js';
import { LATENCY_MS, Scenario, startWorker, stopWorker, WorkerProcess } from './scenario.js';

// The worker process SIGKILLed mid fan-out: see scenario.ts for what this proves and how.
describeEachBackend('alerts: exactly one message per coordinator despite failures', (backend) => {
  describe('the worker process SIGKILLed mid fan-out and started again', () => {
    let t: TestApp;
    let s: Scenario;
    let worker: WorkerProcess | undefined;

    beforeAll(async () => {
      // The API runs no workers (nor relay, nor sweeper): only the worker process does jobs.
      s = new Scenario();
      await s.startFakes();
      t = await bootApp(backend, { runWorkers: false, alerts: s.alerts() });
      await s.start(t);
    });
    afterAll(async () => {
      await stopWorker(worker, 'SIGTERM');
      await s?.stop();
      await t?.close();
    });

    it(`each coordinator still gets exactly one message [${backend}]`, async () => {
      const title = `进程被杀后恢复-${backend}`;
      const id = await s.approvedWarning(title);
      const total = s.inside.length;
      s.robots.gate.latencyMs = LATENCY_MS;
      s.hooks.gate.latencyMs = LATENCY_MS;
      worker = await startWorker(t);
      await s.publish(id);

      await eventually('a quarter of the messages out', async () =>
        s.acceptedCount(title) >= total / 4 ? true : undefined,
      );
      // The robots stop answering; what they answered is recorded, what they hold is in flight.
      s.robots.gate.hold();
      s.hooks.gate.hold();
      const before = await eventually('every answered send recorded, the rest held', async () => {
        const d = await s.deliveries(id);
        const held = s.robots.gate.waiting + s.hooks.gate.waiting;
        // Between two chunks the worker may hold no claim at the instant the robots stop: wait
        // for its next claims to reach the held robots.
        return d.counts.sent === s.acceptedCount(title) && held > 0 && d.counts.sending === held
          ? d
          : undefined;
      });
      assert.ok(before.counts.sending > 0, 'sends were in flight');
      assert.ok(before.counts.queued > 0, 'most were still queued');
      assert.ok(before.counts.sent < total);

      // The worker goes on claiming until it dies, so what was in flight is read after the kill:
      // nothing else runs jobs here, so the rows stand still from then on.
      await stopWorker(worker, 'SIGKILL');
      const sentAtKill = s.acceptedCount(title);
      const dead = await s.deliveries(id);
      assert.equal(dead.counts.sent, sentAtKill, 'every answered send is recorded as sent');
      assert.ok(
        dead.counts.sending >= before.counts.sending,
        'the dead worker’s claims are left behind',
      );
      // Every request the fakes got came from the dead worker; each one's client is gone once it
      // is seen (some may still be in their latency when the kill lands).
      const heldAtKill = await eventually('the fakes saw the dead connections', async () => {
        const gone = s.robots.gate.clientsGone + s.hooks.gate.clientsGone;
        const waiting = s.robots.gate.waiting + s.hooks.gate.waiting;
        return gone > 0 && gone === waiting ? gone : undefined;
      });
      assert.ok(heldAtKill <= dead.counts.sending, 'no request without a claimed row');
      s.robots.gate.release();
      s.hooks.gate.release();
      await eventually('the held sends dropped', async () =>
        s.robots.gate.dropped + s.hooks.gate.dropped === heldAtKill ? true : undefined,
      );
      assert.equal(s.acceptedCount(title), sentAtKill, 'the held sends never completed');

      worker = await startWorker(t);
      await eventually(
        'every delivery sent by the new worker',
        async () => ((await s.deliveries(id)).counts.sent === total ? true : undefined),
        90_000,
      );
      // Every job the dead worker held (stalled) and every job swept again has run by now.
      await t.drain(120_000);
      await s.assertExactlyOnce(id, title);
      assert.match(worker.output(), new RegExp(`Workers running on ${backend}`));
      await stopWorker(worker, 'SIGTERM');
      assert.equal(worker.child.exitCode, 0, worker.output());
    });
  });
});
