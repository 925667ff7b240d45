import type { AppConfig } from '../config/config.js';

/**
 * The payload type of each job, by job name: ids and small facts only; handlers re-read rows.
 *
 * Empty on purpose. The ground floor knows no feature's jobs: each feature adds its own entry by
 * module augmentation in the job's file, beside the handler, e.g.
 *
 *     declare module '../../common/queue/jobs.js' {
 *       interface JobPayloads { 'alerts-fanout': AlertsFanoutJob }
 *     }
 *
 * `OutboxService.add(em, name, payload)` then checks the name and the payload's type at compile time.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by module augmentation
export interface JobPayloads {}

/** A job name some feature declared in JobPayloads. */
export type JobName = keyof JobPayloads & string;

/** What a feature declares about its job beside the handler (in `@OnJob(name, options)`). */
export interface JobOptions {
  /** The BullMQ queue that carries the job; several jobs may share one. */
  queue: string;
  /** Jobs one process runs at once on this queue (default 8); the largest of a queue's jobs wins. */
  concurrency?: (config: AppConfig) => number;
}

const DEFAULT_CONCURRENCY = 8;

/**
 * Every job declared so far, filled as the job files load (the `@OnJob` decorator registers when
 * its class is defined, which is when its feature module is imported). The app, the worker and the
 * tests import their modules before anything enqueues, so a name missing here is a job whose file
 * was never loaded: a bug worth a loud error.
 */
const registry = new Map<string, JobOptions>();

/** Declares a job's queue. Twice with the same queue is harmless; a different queue is a bug. */
export function registerJob(name: string, options: JobOptions): void {
  const known = registry.get(name);
  if (known && known.queue !== options.queue) {
    throw new Error(`Job ${name} is declared on two queues: ${known.queue} and ${options.queue}`);
  }
  if (!known) registry.set(name, options);
}

/** The queue that carries a job. */
export function queueOf(name: string): string {
  const known = registry.get(name);
  if (!known) throw new Error(`Job ${name} is not declared (is its job file loaded?)`);
  return known.queue;
}

/** Every declared job name, sorted. */
export function declaredJobs(): string[] {
  return [...registry.keys()].sort();
}

/** Every queue some declared job runs on, sorted (the order the queue dashboard lists them in). */
export function declaredQueues(): string[] {
  return [...new Set([...registry.values()].map((o) => o.queue))].sort();
}

/** Concurrency of one queue's worker: the largest its jobs ask for. */
export function concurrencyOf(queue: string, config: AppConfig): number {
  let n = 0;
  for (const o of registry.values()) {
    if (o.queue === queue) n = Math.max(n, o.concurrency?.(config) ?? DEFAULT_CONCURRENCY);
  }
  return n || DEFAULT_CONCURRENCY;
}
