import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { DelayedError, type Job, type Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config.js';
import { requestContext } from '../context/request-context.js';
import { ON_JOB_KEY } from './on-job.decorator.js';
import { PostponeJob } from './postpone.js';
import type { QueueBackend } from './queue-backend.js';
import { concurrencyOf, declaredJobs, declaredQueues } from './jobs.js';
import { QUEUE_BACKEND } from './queue.tokens.js';

type Handler = (payload: unknown, job: Job) => Promise<unknown>;

/** Finds every @OnJob handler, checks each job name has exactly one, and runs the workers. */
@Injectable()
export class WorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Worker');
  private readonly handlers = new Map<string, Handler>();
  private readonly workers: Worker[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(QUEUE_BACKEND) private readonly backend: QueueBackend,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Collects handlers and fails the start if a job name has none (Immich JobRepository.setup). */
  discoverHandlers(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const proto = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(proto)) {
        const fn = instance[method];
        if (typeof fn !== 'function') continue;
        const name = this.reflector.get<string | undefined>(ON_JOB_KEY, fn as () => unknown);
        if (!name) continue;
        if (this.handlers.has(name)) throw new Error(`Job ${name} has two handlers`);
        this.handlers.set(name, (fn as Handler).bind(instance));
      }
    }
    const missing = declaredJobs().filter((n) => !this.handlers.has(n));
    if (missing.length) throw new Error(`No handler for job(s): ${missing.join(', ')}`);
  }

  onApplicationBootstrap(): void {
    this.discoverHandlers();
    if (!this.config.runWorkers) return;
    const queues = declaredQueues();
    for (const queue of queues) this.workers.push(this.startWorker(queue));
    this.logger.log(`Workers running on ${this.backend.kind}: ${queues.join(', ')}`);
  }

  private startWorker(queue: string): Worker {
    const worker = this.backend.createWorker(
      queue,
      async (job, token) => {
        const handler = this.handlers.get(job.name);
        if (!handler) throw new Error(`No handler for job ${job.name}`);
        try {
          return await requestContext.run(
            { requestId: `job:${queue}:${job.id}`, origin: 'job' },
            () => handler(job.data, job),
          );
        } catch (err) {
          if (!(err instanceof PostponeJob) || !token) throw err;
          // Back to delayed without counting an attempt, on either backend.
          await job.moveToDelayed(err.untilMs, token);
          throw new DelayedError(err.message);
        }
      },
      {
        // 8 at once, unless a job of the queue asks for more (the I/O-bound alerts sends).
        concurrency: concurrencyOf(queue, this.config),
        autorun: true,
        lockDuration: this.config.jobLockMs,
        stalledInterval: this.config.jobLockMs,
      },
    );
    worker.on('failed', (job, err) =>
      this.logger.warn(
        { queue, jobId: job?.id, attempts: job?.attemptsMade, err: err.message },
        'Job failed',
      ),
    );
    worker.on('error', (err) => this.logger.warn({ queue, err: err.message }, 'Worker error'));
    return worker;
  }

  /** Lets running jobs finish, then closes the workers. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
    this.workers.length = 0;
  }
}
