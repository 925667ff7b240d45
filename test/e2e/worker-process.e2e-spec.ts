import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, it } from '@jest/globals';
import { bootApp, describeEachBackend, TestApp, USERS } from '../harness.js';

const WORKER = join(import.meta.dirname, '..', '..', 'src', 'worker.js');

describeEachBackend('npm run worker: the relay and workers in their own process', (backend) => {
  let t: TestApp;
  let worker: ChildProcess;
  let output = '';

  beforeAll(async () => {
    // The API process runs no workers; a separate worker process does the jobs.
    t = await bootApp(backend, { runWorkers: false });
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
    }
    await t.close();
  });

  it('an event written by the API is handled by the worker process, and SIGTERM stops it cleanly', async () => {
    worker = spawn(process.execPath, [WORKER], {
      env: {
        ...process.env,
        DATABASE_URL: t.databaseUrl,
        REDIS_URL: t.config.redisUrl ?? '',
        QUEUE_PREFIX: t.config.queuePrefix,
        JWT_SECRET: 'worker-test-secret-0123456789-0123456789',
        PII_KEY: Buffer.alloc(32, 7).toString('base64'),
        AUDIT_KEY: t.config.auditKey.toString('base64'),
        AUDIT_ANCHOR_FILE: t.config.auditAnchor.file,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    worker.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const deadline = Date.now() + 30_000;
    while (!/Workers running on/.test(output)) {
      assert.ok(worker.exitCode === null, `worker exited:\n${output}`);
      assert.ok(Date.now() < deadline, `worker did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(output, new RegExp(`Workers running on ${backend}`));

    const admin = { authorization: `Bearer ${await t.token(USERS.admin)}` };
    const [{ id: icbc }] = (await t.db.query("SELECT id FROM units WHERE code = 'ICBC-GY'")) as {
      id: string;
    }[];
    await t
      .http()
      .post('/api/v1/api-keys')
      .set(admin)
      .send({ unitId: icbc, name: '核心系统' })
      .expect(201);

    const liaison = { authorization: `Bearer ${await t.token(USERS.icbc)}` };
    let items: { kind: string }[] = [];
    for (const end = Date.now() + 20_000; Date.now() < end;) {
      items = (await t.http().get('/api/v1/notifications').set(liaison).expect(200)).body.items;
      if (items.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(
      items.map((n) => n.kind),
      ['api_key.issued'],
      `the worker process delivered the notification:\n${output}`,
    );

    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
    worker.kill('SIGTERM');
    assert.equal(await exited, 0, output);
  });
});
