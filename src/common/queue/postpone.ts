/**
 * Thrown by a job handler to run the same job again later without counting a failed attempt
 * (a rate-limit budget spent, a row another worker is still working on). The worker moves the
 * job back to delayed on whichever backend runs; the handler never sees BullMQ's token.
 */
export class PostponeJob extends Error {
  constructor(
    /** Epoch milliseconds at which the job should run again. */
    readonly untilMs: number,
    reason = 'postponed',
  ) {
    super(reason);
    this.name = 'PostponeJob';
  }
}
