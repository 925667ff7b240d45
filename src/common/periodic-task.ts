import type { Logger } from '@nestjs/common';

/**
 * The one way to run work every N ms in a process (sweeps, reconciles, scheduled enqueues): never
 * two passes at once, a failed pass is logged and the next one runs, the timer does not keep the
 * process alive, and `stop()` waits for the pass under way.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly what: string,
    private readonly logger: Logger,
    private readonly pass: () => Promise<unknown>,
  ) {}

  /** Starts the timer; an interval of 0 or less leaves it off. */
  start(everyMs: number): void {
    if (everyMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.pass()
        .then(() => undefined)
        .catch((err: unknown) =>
          this.logger.warn({ err: (err as Error).message }, `${this.what} failed`),
        )
        .finally(() => (this.running = undefined));
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
