import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { bootApp, describeEachBackend, eventually, TestApp } from '../../harness.js';
import { RedisServer, startRedisServer } from '../../setup/servers.js';
import { databaseOutage, LATENCY_MS, Scenario, sleep } from './scenario.js';

// The queue store down mid fan-out and back: see scenario.ts for what this proves and how.
describeEachBackend('alerts: exactly one message per coordinator despite failures', (backend) => {
  describe(`the queue store (${backend === 'redis' ? 'Redis' : 'PostgreSQL'}) restarted mid fan-out`, () => {
    let t: TestApp;
    let s: Scenario;
    let redis: RedisServer | undefined;
    let redisPort = 0;

    beforeAll(async () => {
      // Redis: a throwaway redis-server of this test (no persistence: a restart forgets every
      // job), never the shared one. PostgreSQL: see databaseOutage.
      if (backend === 'redis') {
        redis = await startRedisServer();
        redisPort = redis.port;
      }
      s = new Scenario();
      await s.startFakes();
      t = await bootApp(backend, {
        redisUrl: redis?.url,
        alerts: s.alerts({ sweepGraceMs: 1000 }),
        jobLockMs: 3000,
      });
      await s.start(t);
    });
    afterAll(async () => {
      // Closing the app waits for its Redis connections: bring Redis back if a test left it down.
      if (backend === 'redis' && !redis)
        redis = await startRedisServer(redisPort).catch(() => undefined);
      await s?.stop();
      await t?.close();
      await redis?.stop();
    });

    it(`each coordinator still gets exactly one message [${backend}]`, async () => {
      const title = `队列存储重启后恢复-${backend}`;
      const id = await s.approvedWarning(title);
      const total = s.inside.length;
      s.robots.gate.latencyMs = LATENCY_MS;
      s.hooks.gate.latencyMs = LATENCY_MS;
      await s.publish(id);

      await eventually('a quarter of the messages out', async () =>
        s.acceptedCount(title) >= total / 4 ? true : undefined,
      );
      if (backend === 'redis') {
        await redis?.stop();
        redis = undefined;
        await sleep(1500);
        const down = s.acceptedCount(title);
        assert.ok(down < total, `the outage came mid fan-out (${down} of ${total} out)`);
        redis = await startRedisServer(redisPort);
      } else {
        const cut = await databaseOutage(t, 1500);
        assert.ok(cut >= 3, `cut ${cut} connections`);
        const down = s.acceptedCount(title);
        assert.ok(down < total, `the outage came mid fan-out (${down} of ${total} out)`);
      }

      await eventually(
        'every delivery sent after the store came back',
        async () => ((await s.deliveries(id)).counts.sent === total ? true : undefined),
        90_000,
      );
      await t.drain(120_000);
      await s.assertExactlyOnce(id, title);
    });
  });
});
