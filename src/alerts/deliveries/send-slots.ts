/**
 * Permits for sends in flight in one process, shared by every delivery job it runs: a job carrying
 * many deliveries takes one per row it claims, so the process never has more than `size` claimed
 * rows waiting on a channel, however many jobs it runs at once (a row claimed but not yet sent is a
 * row a dead worker leaves behind). Waiters are served first come, first served.
 */
export class SendSlots {
  private free: number;
  private readonly waiting: { n: number; resolve: () => void }[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Waits for `n` permits (at most `size`). */
  take(n: number): Promise<void> {
    const want = Math.min(n, this.size);
    if (!this.waiting.length && this.free >= want) {
      this.free -= want;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push({ n: want, resolve }));
  }

  give(n = 1): void {
    this.free = Math.min(this.size, this.free + n);
    while (this.waiting.length && this.free >= this.waiting[0].n) {
      const next = this.waiting.shift();
      if (!next) break;
      this.free -= next.n;
      next.resolve();
    }
  }
}
