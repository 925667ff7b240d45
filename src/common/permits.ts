/**
 * Permits for work in flight in one process, shared by everything that takes them, first come,
 * first served. Delivery jobs take one per row they claim (ALERTS_SENDS_IN_FLIGHT: a row claimed
 * but not yet sent is a row a dead worker leaves behind); bank-file uploads take one each while
 * they hold a pooled connection (FLAG_FILE_UPLOADS_IN_FLIGHT).
 */
export class Permits {
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

  /** `take`, given up after `ms`: true with the permits, false without (and nothing taken). */
  async takeWithin(n: number, ms: number): Promise<boolean> {
    const want = Math.min(n, this.size);
    if (!this.waiting.length && this.free >= want) {
      this.free -= want;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const waiter = {
        n: want,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        resolve(false);
        // Those behind it may fit now.
        this.give(0);
      }, ms);
      this.waiting.push(waiter);
    });
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
