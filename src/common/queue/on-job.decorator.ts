import { SetMetadata } from '@nestjs/common';
import type { JobName } from './queue-names.js';

export const ON_JOB_KEY = 'jw:on-job';

/**
 * Marks a provider method as the handler of one job name. The method receives the typed payload
 * and must be safe to run twice: re-read the row, check its state, return early when done.
 */
export const OnJob = (name: JobName) => SetMetadata(ON_JOB_KEY, name);
