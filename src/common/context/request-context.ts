import { AsyncLocalStorage } from 'node:async_hooks';
import type { Actor } from '../auth/actor.js';

/** What is known about the current request; read by the logger and the audit log. */
export interface RequestContext {
  /** Made by the server (a UUID for HTTP requests); what logs and audit rows call the request. */
  requestId: string;
  /** The client's own X-Request-Id, when it has the strict form app.ts accepts. */
  clientRequestId?: string;
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
