import { IDENTITY_VIEWS } from '../database/views.js';
import type { Actor } from './actor.js';
import { Role } from './roles.js';

/** The units of a subtree, as a condition on `unitColumn`; `pattern` is the parameter (path || '%'). */
const inSubtree = (unitColumn: string, pattern: string) =>
  `${unitColumn} IN (SELECT su.id FROM ${IDENTITY_VIEWS.units} su WHERE su.path LIKE ${pattern})`;

/**
 * The one helper that turns the caller into the filter of a scoped query: rows whose owning unit
 * lies in the caller's subtree (own bank for liaisons; everything for admins). Returns a SQL
 * condition on `unitColumn` with a named parameter, for TypeORM's query builder (and the pages of
 * `paginate` and `paginateView`); `scopeSql` is the same condition for hand-written statements.
 */
export function scopeWhere(
  actor: Actor,
  unitColumn: string,
): { sql: string; params: Record<string, string> } {
  if (actor.scopePath === null) return { sql: 'TRUE', params: {} };
  return {
    sql: inSubtree(unitColumn, ':scopePath'),
    params: { scopePath: `${actor.scopePath}%` },
  };
}

/**
 * The condition of `scopeWhere` for a hand-written statement with positional parameters (the
 * one style of hand-written SQL): appends the caller's subtree to `args` and returns the condition
 * reading it as `$n`.
 */
export function scopeSql(actor: Actor, unitColumn: string, args: unknown[]): string {
  if (actor.scopePath === null) return 'TRUE';
  args.push(`${actor.scopePath}%`);
  return inSubtree(unitColumn, `$${args.length}`);
}

/** Whether a unit (by its path) lies in the caller's scope; for checks on a single loaded row. */
export function inScope(actor: Actor, unitPath: string): boolean {
  return actor.scopePath === null || unitPath.startsWith(actor.scopePath);
}

/** Unit kinds every officer and supervisor sees, beyond their subtree: the banks they ask to freeze. */
const PUBLIC_UNIT_KINDS = ['bank', 'bank_branch'];
const SEES_BANKS: readonly Role[] = [Role.Officer, Role.Supervisor];

/**
 * The units a caller may list or read: their scope, and for officers and supervisors also every
 * bank and bank branch (names and codes; docs/ARCHITECTURE.md, Roles and scope). `alias` is the
 * units table's alias in the query.
 */
export function unitsVisibleWhere(
  actor: Actor,
  alias: string,
): { sql: string; params: Record<string, string | string[]> } {
  const scope = scopeWhere(actor, `${alias}.id`);
  if (!SEES_BANKS.includes(actor.role)) return scope;
  return {
    sql: `(${scope.sql} OR ${alias}.kind IN (:...publicUnitKinds))`,
    params: { ...scope.params, publicUnitKinds: PUBLIC_UNIT_KINDS },
  };
}

/** Whether a caller may read this one unit: the check of unitsVisibleWhere on a loaded row. */
export function unitVisible(actor: Actor, unit: { path: string; kind: string }): boolean {
  return (
    inScope(actor, unit.path) ||
    (SEES_BANKS.includes(actor.role) && PUBLIC_UNIT_KINDS.includes(unit.kind))
  );
}
