import { SetMetadata } from '@nestjs/common';
import type { Job } from 'bullmq';
import { type JobName, type JobOptions, type JobPayloads, registerJob } from './jobs.js';

export const ON_JOB_KEY = 'jw:on-job';

type JobHandler<N extends JobName> = (payload: JobPayloads[N], job: Job) => Promise<unknown>;

/**
 * Marks a provider method as the handler of one job name, and declares the job's queue. The name
 * must be in JobPayloads (declared in the same file); the method receives that payload and must be
 * safe to run twice: re-read the row, check its state, return early when done. WorkerService checks
 * at start that every declared job has exactly one handler among the app's providers.
 */
export function OnJob<N extends JobName>(name: N, options: JobOptions) {
  registerJob(name, options);
  const mark = SetMetadata(ON_JOB_KEY, name);
  return <H extends JobHandler<N>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<H>,
  ): void => {
    mark(target, key, descriptor);
  };
}
