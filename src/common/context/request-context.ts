import { AsyncLocalStorage } from 'node:async_hooks';
import type { Actor } from '../auth/actor.js';

/** What is known about the current request; read by the logger and the audit log. */
export interface RequestContext {
  requestId: string;
  /** Where the work comes from: an HTTP request, a job, or a command-line script. */
  origin: 'http' | 'job' | 'cli';
  ip?: string;
  actor?: Actor;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const requestContext = {
  run<T>(ctx: RequestContext, fn: () => T): T {
    return storage.run(ctx, fn);
  },
  get(): RequestContext | undefined {
    return storage.getStore();
  },
};
