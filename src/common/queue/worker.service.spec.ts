import 'reflect-metadata';
import { Injectable, Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test, TestingModule } from '@nestjs/testing';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from '@jest/globals';
import { APP_CONFIG } from '../config/config.js';
import { OnJob } from './on-job.decorator.js';
import type { QueueBackend } from './queue-backend.js';
import { JobName } from './queue-names.js';
import { QUEUE_BACKEND } from './queue.tokens.js';
import { WorkerService } from './worker.service.js';

@Injectable()
class ApiKeyNotifier {
  @OnJob(JobName.ApiKeyChanged)
  async handle(): Promise<void> {}
}

@Injectable()
class SecondApiKeyNotifier {
  @OnJob(JobName.ApiKeyChanged)
  async notifyAgain(): Promise<void> {}
}

/** Handlers of every other job, so the tests here can be about ApiKeyChanged alone. */
@Injectable()
class TransferFlagJobs {
  @OnJob(JobName.TransferHitsNotify)
  async hits(): Promise<void> {}

  @OnJob(JobName.DissuasionSlaCheck)
  async sla(): Promise<void> {}

  @OnJob(JobName.FreezeExpiryCheck)
  async expiry(): Promise<void> {}

  @OnJob(JobName.FreezeOrderNotify)
  async freezeOrder(): Promise<void> {}

  @OnJob(JobName.AlertsFanout)
  async fanout(): Promise<void> {}

  @OnJob(JobName.AlertsDeliver)
  async deliver(): Promise<void> {}

  @OnJob(JobName.AlertsTrendScan)
  async trend(): Promise<void> {}
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
    const worker = await workerWith(ApiKeyNotifier, TransferFlagJobs, Unrelated);
    assert.doesNotThrow(() => worker.discoverHandlers());
  });

  it('refuses to start when a job name has no handler, naming the job', async () => {
    const worker = await workerWith(TransferFlagJobs, Unrelated);
    assert.throws(() => worker.discoverHandlers(), {
      message: `No handler for job(s): ${JobName.ApiKeyChanged}`,
    });
  });

  it('refuses to start when a job name has two handlers, naming the job', async () => {
    const worker = await workerWith(ApiKeyNotifier, SecondApiKeyNotifier, TransferFlagJobs);
    assert.throws(() => worker.discoverHandlers(), {
      message: `Job ${JobName.ApiKeyChanged} has two handlers`,
    });
  });

  it('fails the application start itself, not only a direct call', async () => {
    await workerWith(TransferFlagJobs, Unrelated);
    await assert.rejects(moduleRef!.init(), {
      message: `No handler for job(s): ${JobName.ApiKeyChanged}`,
    });
  });
});
