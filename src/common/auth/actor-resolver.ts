import type { Actor } from './actor.js';

/** Implemented by identity; lets the guard in common authenticate without knowing identity's tables. */
export interface ActorResolver {
  resolveBearer(token: string): Promise<Actor | null>;
  resolveApiKey(key: string): Promise<Actor | null>;
  /** An enabled user by username, for work done on their behalf outside a request (demo seeding). */
  actorForUsername(username: string): Promise<Actor | null>;
}

export const ACTOR_RESOLVER = Symbol('ACTOR_RESOLVER');
