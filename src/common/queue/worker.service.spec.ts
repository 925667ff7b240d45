import 'reflect-metadata';
import { Injectable, Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test, TestingModule } from '@nestjs/testing';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from '@jest/globals';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { OnJob } from './on-job.decorator.js';
import type { QueueBackend } from './queue-backend.js';
import { concurrencyOf, declaredJobs, declaredQueues, queueOf, registerJob } from './jobs.js';
import { QUEUE_BACKEND } from './queue.tokens.js';
import { WorkerService } from './worker.service.js';

// Jobs of this spec alone: the ground floor's tests load no feature, so these are all it declares.
declare module './jobs.js' {
  interface JobPayloads {
    'spec-notify': { userId: string };
    'spec-sweep': Record<string, never>;
    'spec-send': { id: string };
  }
}

@Injectable()
class Notifier {
  @OnJob('spec-notify', { queue: 'spec-notifications' })
  async handle(payload: { userId: string }): Promise<string> {
    return payload.userId;
  }
}

@Injectable()
class SecondNotifier {
  @OnJob('spec-notify', { queue: 'spec-notifications' })
  async notifyAgain(): Promise<void> {}
}

/** Handlers of the other jobs, so the tests here can be about 'spec-notify' alone. */
@Injectable()
class OtherJobs {
  @OnJob('spec-sweep', { queue: 'spec-notifications' })
  async sweep(): Promise<void> {}

  @OnJob('spec-send', {
    queue: 'spec-sends',
    concurrency: (config) => config.alerts.deliverConcurrency,
  })
  async send(): Promise<void> {}
}

@Injectable()
class Unrelated {
  async work(): Promise<void> {}
}

/** A queue backend that must not be touched: discovery runs before any worker starts. */
const untouchedBackend: QueueBackend = {
  kind: 'postgres',
  prepare: () => Promise.reject(new Error('not expected')),
  createQueue: () => {
    throw new Error('not expected');
  },
  createWorker: () => {
    throw new Error('not expected');
  },
};

describe('WorkerService: every job name has exactly one handler', () => {
  let moduleRef: TestingModule | undefined;
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });

  async function workerWith(...handlers: Type[]): Promise<WorkerService> {
    moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule],
      providers: [
        WorkerService,
        ...handlers,
        { provide: QUEUE_BACKEND, useValue: untouchedBackend },
        { provide: APP_CONFIG, useValue: { runWorkers: false } },
      ],
    }).compile();
    return moduleRef.get(WorkerService);
  }

  it('accepts one handler per job name', async () => {
    const worker = await workerWith(Notifier, OtherJobs, Unrelated);
    assert.doesNotThrow(() => worker.discoverHandlers());
  });

  it('refuses to start when a job name has no handler, naming the job', async () => {
    const worker = await workerWith(OtherJobs, Unrelated);
    assert.throws(() => worker.discoverHandlers(), {
      message: `No handler for job(s): spec-notify`,
    });
  });

  it('refuses to start when a job name has two handlers, naming the job', async () => {
    const worker = await workerWith(Notifier, SecondNotifier, OtherJobs);
    assert.throws(() => worker.discoverHandlers(), {
      message: `Job spec-notify has two handlers`,
    });
  });

  it('fails the application start itself, not only a direct call', async () => {
    await workerWith(OtherJobs, Unrelated);
    await assert.rejects(moduleRef!.init(), {
      message: `No handler for job(s): spec-notify`,
    });
  });
});

describe('Job declarations: the queue each job runs on, declared beside its handler', () => {
  it('lists the declared jobs and their queues, sorted', () => {
    assert.deepEqual(declaredJobs(), ['spec-notify', 'spec-send', 'spec-sweep']);
    assert.deepEqual(declaredQueues(), ['spec-notifications', 'spec-sends']);
    assert.equal(queueOf('spec-send'), 'spec-sends');
  });

  it('refuses a job name no handler declared, naming it', () => {
    assert.throws(() => queueOf('spec-unknown'), {
      message: 'Job spec-unknown is not declared (is its job file loaded?)',
    });
  });

  it('refuses the same job on a second queue', () => {
    assert.throws(() => registerJob('spec-notify', { queue: 'spec-sends' }), {
      message: 'Job spec-notify is declared on two queues: spec-notifications and spec-sends',
    });
  });

  it('runs 8 jobs at once per queue unless one of its jobs asks for more', () => {
    const config = { alerts: { deliverConcurrency: 32 } } as AppConfig;
    assert.equal(concurrencyOf('spec-notifications', config), 8);
    assert.equal(concurrencyOf('spec-sends', config), 32);
  });
});
