import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { OutboxRelayService } from '../../src/common/outbox/outbox-relay.service.js';
import { OutboxService } from '../../src/common/outbox/outbox.service.js';
import { QueueService } from '../../src/common/queue/queue.service.js';
import { bootApp, describeEachBackend, eventually, TestApp, USERS } from '../harness.js';
import { RedisServer, redisServerOnPath, startRedisServer } from '../setup/servers.js';

const ISSUED_TITLE = '银行系统接口密钥已签发';

interface NotificationItem {
  kind: string;
  title: string;
  entity: string | null;
  entityId: string | null;
}

async function unitId(t: TestApp, code: string): Promise<string> {
  const rows = (await t.db.query('SELECT id FROM units WHERE code = $1', [code])) as {
    id: string;
  }[];
  assert.equal(rows.length, 1, `unit ${code} is in the demo data`);
  return rows[0].id;
}

async function issueKey(t: TestApp, name: string): Promise<{ id: string }> {
  const admin = await t.token(USERS.admin);
  const res = await t
    .http()
    .post('/api/v1/api-keys')
    .set('authorization', `Bearer ${admin}`)
    .send({ unitId: await unitId(t, 'ICBC-GY'), name });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string };
}

/** The notifications a user sees about one entity (e.g. one API key). */
async function notificationsAbout(
  t: TestApp,
  username: string,
  entityId: string,
): Promise<NotificationItem[]> {
  const token = await t.token(username);
  const res = await t
    .http()
    .get('/api/v1/notifications?limit=100')
    .set('authorization', `Bearer ${token}`)
    .expect(200);
  return (res.body.items as NotificationItem[]).filter((n) => n.entityId === entityId);
}

async function outboxRowsFor(
  t: TestApp,
  apiKeyId: string,
): Promise<{ id: string; sent_at: Date | null; attempts: number; last_error: string | null }[]> {
  return (await t.db.query(
    `SELECT id::text AS id, sent_at, attempts, last_error FROM outbox
     WHERE payload->>'apiKeyId' = $1 ORDER BY id`,
    [apiKeyId],
  )) as { id: string; sent_at: Date | null; attempts: number; last_error: string | null }[];
}

describeEachBackend('outbox: events reach bank liaisons exactly once', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(backend);
  });
  afterAll(() => t.close());

  it('issuing a key for ICBC-GY notifies its liaison once and no other bank', async () => {
    const key = await issueKey(t, '核心系统可疑交易报送');
    await t.drain();

    const liu = await notificationsAbout(t, USERS.icbc, key.id);
    assert.equal(liu.length, 1);
    assert.equal(liu[0].title, ISSUED_TITLE);
    assert.equal(liu[0].kind, 'api_key.issued');
    assert.equal(liu[0].entity, 'api_key');
    assert.deepEqual(await notificationsAbout(t, USERS.ccb, key.id), []);

    const rows = await outboxRowsFor(t, key.id);
    assert.equal(rows.length, 1);
    assert.ok(rows[0].sent_at, 'the outbox row is marked sent');
  });

  it('a rolled-back change enqueues nothing and notifies no one', async () => {
    const key = await issueKey(t, '网银系统');
    await t.drain();
    const queue = t.app.get(QueueService).queue('notifications');
    const before = await queue.getJobCounts();

    const ds = t.app.get(DataSource);
    const outbox = t.app.get(OutboxService);
    let outboxId: string | undefined;
    await assert.rejects(
      ds.transaction(async (em) => {
        outboxId = await outbox.add(em, 'api-key-changed', {
          apiKeyId: key.id,
          change: 'revoked',
        });
        throw new Error('the change fails after writing its event');
      }),
      /the change fails/,
    );
    assert.ok(outboxId, 'the event was written inside the transaction');

    // Give the relay an explicit pass as well as its own loop: nothing is there to move.
    assert.equal(await t.app.get(OutboxRelayService).relayOnce(), 0);
    await t.drain();

    const rows = (await t.db.query('SELECT count(*)::int AS n FROM outbox WHERE id = $1', [
      outboxId,
    ])) as { n: number }[];
    assert.equal(rows[0].n, 0, 'no outbox row survives the rollback');
    assert.equal(await queue.getJob(`outbox-${outboxId}`), undefined, 'no job was created');
    assert.deepEqual(await queue.getJobCounts(), before);
    const liu = await notificationsAbout(t, USERS.icbc, key.id);
    assert.deepEqual(
      liu.map((n) => n.kind),
      ['api_key.issued'],
      'only the committed issue is notified, not the rolled-back revoke',
    );
  });

  it('a job replayed under the same outbox id after it was forgotten adds no second notification', async () => {
    const key = await issueKey(t, '信用卡中心');
    await t.drain();
    const [row] = await outboxRowsFor(t, key.id);
    const jobId = `outbox-${row.id}`;
    const queue = t.app.get(QueueService).queue('notifications');
    const first = await queue.getJob(jobId);
    assert.ok(first, 'the first job is kept after completion');
    assert.equal(first.returnvalue, 1, 'the first run notified the one ICBC liaison');

    // BullMQ forgets the job id (removed or trimmed); then the same event arrives again.
    await queue.remove(jobId);
    await t.app.get(QueueService).enqueue({
      name: 'api-key-changed',
      payload: { apiKeyId: key.id, change: 'issued' },
      jobId,
    });
    await t.drain();

    const replay = await queue.getJob(jobId);
    assert.ok(replay?.finishedOn, 'the replayed job ran');
    assert.equal(replay.returnvalue, 0, 'the replay created no notification');
    assert.equal((await notificationsAbout(t, USERS.icbc, key.id)).length, 1);
    assert.equal((await notificationsAbout(t, USERS.ccb, key.id)).length, 0);
  });

  it('an event re-sent by the relay after a crash between add and mark adds no second notification', async () => {
    const key = await issueKey(t, '手机银行');
    await t.drain();
    const [row] = await outboxRowsFor(t, key.id);
    const jobId = `outbox-${row.id}`;
    const queue = t.app.get(QueueService).queue('notifications');

    // The state a relay crash between enqueue and mark-sent leaves: the row unsent again. The job
    // is also gone from BullMQ, so the relay's add really runs the handler a second time.
    await queue.remove(jobId);
    await t.db.query('UPDATE outbox SET sent_at = NULL WHERE id = $1', [row.id]);
    await t.drain();

    const [after] = await outboxRowsFor(t, key.id);
    assert.ok(after.sent_at, 'the relay sent the row again');
    const replay = await queue.getJob(jobId);
    assert.ok(replay?.finishedOn, 'the re-sent job ran');
    assert.equal(replay.returnvalue, 0, 'the re-sent job created no notification');
    const liu = await notificationsAbout(t, USERS.icbc, key.id);
    assert.equal(liu.length, 1);
    assert.equal(liu[0].title, ISSUED_TITLE);
  });

  it('a relay re-send while the first job is still known is dropped by its job id', async () => {
    const key = await issueKey(t, '对公业务系统');
    await t.drain();
    const [row] = await outboxRowsFor(t, key.id);
    const queue = t.app.get(QueueService).queue('notifications');
    const first = await queue.getJob(`outbox-${row.id}`);
    assert.ok(first?.finishedOn);

    await t.db.query('UPDATE outbox SET sent_at = NULL WHERE id = $1', [row.id]);
    await t.drain();

    const again = await queue.getJob(`outbox-${row.id}`);
    assert.equal(again?.finishedOn, first.finishedOn, 'the job was not run again');
    assert.equal((await notificationsAbout(t, USERS.icbc, key.id)).length, 1);
  });
});

// Needs a redis-server on the PATH to stop and start.
(redisServerOnPath() ? describe : describe.skip)(
  'outbox: Redis outage [queues on a throwaway redis-server]',
  () => {
    let redis: RedisServer | undefined;
    let port: number;
    let t: TestApp;
    beforeAll(async () => {
      redis = await startRedisServer();
      port = redis.port;
      t = await bootApp('redis', { redisUrl: redis.url });
    });
    afterAll(async () => {
      // Closing the app waits for its Redis connections: bring Redis back if a test left it down.
      if (!redis) redis = await startRedisServer(port).catch(() => undefined);
      await t?.close();
      await redis?.stop();
    });

    it('keeps accepting writes while Redis is down and delivers the event once after it returns', async () => {
      const admin = await t.token(USERS.admin);
      await t.token(USERS.icbc);
      await t.http().get('/health').expect(200);

      await redis?.stop();
      redis = undefined;

      const key = await issueKey(t, '停机期间签发的密钥');
      assert.ok(key.id);

      const health = await t.http().get('/health');
      assert.equal(health.status, 503);
      assert.equal(health.body.status, 'error');
      assert.equal(health.body.database.status, 'up');
      assert.equal(health.body.queue.status, 'down');
      assert.equal(health.body.queue.backend, 'redis');

      // The relay tried, failed, and kept the event.
      const failed = await eventually('a failed relay attempt', async () => {
        const rows = await outboxRowsFor(t, key.id);
        return rows.length === 1 && rows[0].attempts >= 1 ? rows[0] : undefined;
      });
      assert.equal(failed.sent_at, null);
      assert.ok(failed.last_error);
      assert.equal((await notificationsAbout(t, USERS.icbc, key.id)).length, 0);

      // Other writes go on too.
      await t.http().get('/api/v1/api-keys').set('authorization', `Bearer ${admin}`).expect(200);

      redis = await startRedisServer(port);
      await eventually('GET /health answering 200', async () => {
        const res = await t.http().get('/health');
        return res.status === 200 ? res : undefined;
      });
      await t.drain(90_000);

      const liu = await notificationsAbout(t, USERS.icbc, key.id);
      assert.equal(liu.length, 1);
      assert.equal(liu[0].title, ISSUED_TITLE);
      const [row] = await outboxRowsFor(t, key.id);
      assert.ok(row.sent_at);
      const health2 = await t.http().get('/health').expect(200);
      assert.equal(health2.body.queue.status, 'up');
    });
  },
);

describe('outbox: PostgreSQL drops every connection [queues on postgres]', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp('postgres');
  });
  afterAll(() => t.close());

  it('after a PostgreSQL restart cuts the app off, new events still reach the liaison once', async () => {
    const admin = await t.token(USERS.admin);
    await t.token(USERS.icbc);
    await t.http().get('/health').expect(200);

    // What a PostgreSQL restart or failover does to the app: every connection of the API pool, the
    // outbox relay's LISTEN and BullMQ's pool and LISTEN clients is cut. With the PostgreSQL backend
    // the queue store is the same server, so this is its outage.
    const killer = new Client({ connectionString: t.databaseUrl });
    await killer.connect();
    try {
      const { rows } = await killer.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      assert.ok(rows[0].n >= 3, `cut ${rows[0].n} connections`);
    } finally {
      await killer.end();
    }

    const key = await eventually('POST /api/v1/api-keys answering 201 again', async () => {
      const res = await t
        .http()
        .post('/api/v1/api-keys')
        .set('authorization', `Bearer ${admin}`)
        .send({ unitId: await unitId(t, 'ICBC-GY'), name: '重启后签发的密钥' });
      return res.status === 201 ? (res.body as { id: string }) : undefined;
    });
    await eventually('GET /health answering 200', async () => {
      const res = await t.http().get('/health');
      return res.status === 200 ? res : undefined;
    });
    await t.drain(60_000);

    const liu = await notificationsAbout(t, USERS.icbc, key.id);
    assert.equal(liu.length, 1);
    assert.equal(liu[0].title, ISSUED_TITLE);
    const [row] = await outboxRowsFor(t, key.id);
    assert.ok(row.sent_at);
  });
});
