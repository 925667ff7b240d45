import { createHash } from 'node:crypto';

export interface AuditRecord {
  occurredAt: Date;
  actorKind: 'user' | 'api_key' | 'system' | 'anonymous';
  actorId: string | null;
  actorRole: string | null;
  actorUnitId: string | null;
  action: string;
  entity: string;
  entityId: string | null;
  requestId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level, so jsonb's own key order does not change the hash. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The hash of one row: SHA-256 over the previous row's hash and this row's content. */
export function auditHash(prevHash: string, r: AuditRecord): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(
      canonicalJson([
        r.occurredAt.toISOString(),
        r.actorKind,
        r.actorId,
        r.actorRole,
        r.actorUnitId,
        r.action,
        r.entity,
        r.entityId,
        r.requestId,
        r.ip,
        r.details,
      ]),
    )
    .digest('hex');
}

export interface ChainRow extends AuditRecord {
  id: string;
  prevHash: string;
  hash: string;
}

export type ChainVerdict =
  | { ok: true; checked: number }
  | { ok: false; checked: number; brokenId: string; reason: 'content_changed' | 'chain_broken' };

/**
 * Checks rows in id order, continuing from `prevHash`. A row whose own hash does not match its
 * content was edited; a row whose prev_hash is not the previous row's hash means rows were removed
 * or reordered.
 */
export function verifyChain(
  rows: ChainRow[],
  prevHash: string,
  checkedBefore = 0,
): ChainVerdict & { lastHash: string } {
  let checked = checkedBefore;
  let last = prevHash;
  for (const row of rows) {
    if (row.prevHash !== last)
      return { ok: false, checked, brokenId: row.id, reason: 'chain_broken', lastHash: last };
    if (auditHash(row.prevHash, row) !== row.hash) {
      return { ok: false, checked, brokenId: row.id, reason: 'content_changed', lastHash: last };
    }
    last = row.hash;
    checked++;
  }
  return { ok: true, checked, lastHash: last };
}
