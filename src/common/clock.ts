import { Injectable } from '@nestjs/common';

/**
 * The one source of "now" for business time (expiries, reminders, due times, notice periods).
 * Production never moves it; tests move it with `advance` instead of waiting, then let the
 * code that depends on time (a reminder handler, a reconcile pass) look at it again.
 */
@Injectable()
export class Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(this.nowMs());
  }

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  /** Tests only: moves business time forward (or back) by `ms`. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
