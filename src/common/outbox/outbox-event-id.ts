import type { Job } from 'bullmq';

/**
 * The outbox row id behind a job (its job id is `outbox-<id>`). Handlers key their effects on it
 * (e.g. UNIQUE (event_id, user_id)), so a job replayed after its id was forgotten changes nothing.
 */
export function outboxEventId(job: Pick<Job, 'id'>): string {
  const match = /^outbox-(\d+)$/.exec(job.id ?? '');
  if (!match) throw new Error(`Job ${job.id} did not come from the outbox`);
  return match[1];
}
