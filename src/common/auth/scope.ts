import type { Actor } from './actor.js';

/**
 * The one helper that turns the caller into the filter of a scoped query: rows whose owning unit
 * lies in the caller's subtree (own bank for liaisons; everything for admins). Returns a SQL
 * condition on `unitColumn` with a named parameter, for TypeORM query builders, and the same with
 * a positional parameter for hand-written SQL.
 */
export function scopeWhere(
  actor: Actor,
  unitColumn: string,
): { sql: string; params: Record<string, string> } {
  if (actor.scopePath === null) return { sql: 'TRUE', params: {} };
  return {
    sql: `${unitColumn} IN (SELECT su.id FROM units su WHERE su.path LIKE :scopePath)`,
    params: { scopePath: `${actor.scopePath}%` },
  };
}

/** Whether a unit (by its path) lies in the caller's scope; for checks on a single loaded row. */
export function inScope(actor: Actor, unitPath: string): boolean {
  return actor.scopePath === null || unitPath.startsWith(actor.scopePath);
}
