import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { QUEUE_BACKEND } from './queue.tokens.js';
import type { QueueBackend } from './queue-backend.js';
import { declaredQueues, type JobName, type JobPayloads, queueOf } from './jobs.js';

export interface EnqueueItem<N extends JobName = JobName> {
  name: N;
  payload: JobPayloads[N];
  /** Deduplicates while the job exists; handlers still check their rows (see docs/ARCHITECTURE.md, Running). */
  jobId?: string;
  delayMs?: number;
}

/** The one typed way to put jobs on queues. Features write to the outbox; the relay calls this. */
@Injectable()
export class QueueService implements OnModuleDestroy {
  private readonly queues = new Map<string, Queue>();
  /** Set at shutdown: a queue opened after it would never be closed (and would hold the process). */
  private closed = false;

  constructor(@Inject(QUEUE_BACKEND) private readonly backend: QueueBackend) {}

  get backendKind() {
    return this.backend.kind;
  }

  queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      if (this.closed) throw new Error(`Queue ${name} asked for after shutdown`);
      q = this.backend.createQueue(name);
      q.on('error', () => undefined); // surfaced through health checks and failed adds
      this.queues.set(name, q);
    }
    return q;
  }

  /** The queues of every declared job (see jobs.ts), sorted by name. */
  allQueues(): Queue[] {
    return declaredQueues().map((n) => this.queue(n));
  }

  async enqueue<N extends JobName>(item: EnqueueItem<N>, extra: JobsOptions = {}): Promise<void> {
    await this.enqueueBulk([item], extra);
  }

  async enqueueBulk(items: EnqueueItem[], extra: JobsOptions = {}): Promise<void> {
    const byQueue = new Map<string, EnqueueItem[]>();
    for (const item of items) {
      const q = queueOf(item.name);
      byQueue.set(q, [...(byQueue.get(q) ?? []), item]);
    }
    for (const [queueName, group] of byQueue) {
      await this.queue(queueName).addBulk(
        group.map((i) => ({
          name: i.name,
          data: i.payload,
          opts: { ...extra, jobId: i.jobId, delay: i.delayMs || undefined },
        })),
      );
    }
  }

  /** Pings the queue store; used by /health. */
  async ping(timeoutMs = 2000): Promise<void> {
    await withTimeout(
      // Any queue reaches the store; 'health' only when no feature declared a job (a bare module).
      this.queue(declaredQueues()[0] ?? 'health').getJobCounts('waiting'),
      timeoutMs,
      'queue store',
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
