import { createHash, createHmac } from 'node:crypto';

export interface AuditRecord {
  occurredAt: Date;
  actorKind: 'user' | 'api_key' | 'system' | 'anonymous';
  actorId: string | null;
  actorRole: string | null;
  actorUnitId: string | null;
  action: string;
  entity: string;
  entityId: string | null;
  /** Made by the server. */
  requestId: string | null;
  /** The client's own X-Request-Id, when it had the accepted form. */
  clientRequestId: string | null;
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

/**
 * The hash of one row: HMAC-SHA256, keyed with AUDIT_KEY (which the database never holds), over
 * the previous row's hash and this row's content. Without the key no one can write a row, or
 * rewrite one, that verifies.
 */
export function auditHash(key: Buffer, prevHash: string, r: AuditRecord): string {
  return createHmac('sha256', key)
    .update(prevHash)
    .update('\n')
    .update(canonicalJson([...content(r), r.clientRequestId]))
    .digest('hex');
}

/**
 * Rows written before the chain was keyed (migration 1733040000000): plain SHA-256 of the same
 * content, without the client's request id, which they did not have.
 */
export function legacyAuditHash(prevHash: string, r: AuditRecord): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonicalJson(content(r)))
    .digest('hex');
}

function content(r: AuditRecord): unknown[] {
  return [
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
  ];
}

export interface ChainRow extends AuditRecord {
  id: string;
  prevHash: string;
  hash: string;
  /** false only for rows from before the chain was keyed. */
  keyed: boolean;
}

export type BrokenReason =
  /** The row does not match its hash (edited, or rehashed without the key). */
  | 'content_changed'
  /** The row does not link to the one before it, and no id is missing between them (reordered). */
  | 'chain_broken'
  /** Rows are gone between two rows (ids `brokenId`…`missingTo`). */
  | 'rows_missing'
  /** The last rows are gone: the anchor kept outside the database names a later row. */
  | 'tail_truncated'
  /** The anchored row is there but its hash differs from the anchor's. */
  | 'anchor_mismatch'
  /** A line of the anchor file is not signed with the audit key. */
  | 'anchor_invalid';

export type ChainVerdict =
  | { ok: true; checked: number; anchoredId?: string }
  | {
      ok: false;
      checked: number;
      /** The first row found wrong or missing (for anchor_invalid: the id the line names). */
      brokenId: string;
      reason: BrokenReason;
      /** rows_missing, tail_truncated: the last missing id (the first is brokenId). */
      missingTo?: string;
    };

/** Where a page-by-page walk of the chain stands. */
export interface ChainPosition {
  /** The last good row's id ('0' before the first) and hash. */
  id: string;
  hash: string;
  checked: number;
  /** A keyed row was seen: an unkeyed one after it can only be a rewrite. */
  keyedSeen: boolean;
}

export const CHAIN_START: ChainPosition = {
  id: '0',
  hash: GENESIS_HASH,
  checked: 0,
  keyedSeen: false,
};

/**
 * Checks rows in id order, continuing from `from`. A row whose own hash does not match its
 * content was edited; a row whose prev_hash is not the previous row's hash means rows were
 * removed (named by the gap in ids; ids also skip where a transaction rolled back, which breaks
 * no link) or reordered.
 */
export function verifyChain(
  rows: ChainRow[],
  key: Buffer,
  from: ChainPosition = CHAIN_START,
): { verdict: ChainVerdict; position: ChainPosition } {
  const position = { ...from };
  for (const row of rows) {
    const broken = (reason: BrokenReason, brokenId = row.id, missingTo?: string) => ({
      verdict: {
        ok: false as const,
        checked: position.checked,
        brokenId,
        reason,
        ...(missingTo ? { missingTo } : {}),
      },
      position,
    });
    if (row.prevHash !== position.hash) {
      const firstMissing = BigInt(position.id) + 1n;
      return BigInt(row.id) > firstMissing
        ? broken('rows_missing', String(firstMissing), String(BigInt(row.id) - 1n))
        : broken('chain_broken');
    }
    const expected = row.keyed
      ? auditHash(key, row.prevHash, row)
      : position.keyedSeen
        ? undefined
        : legacyAuditHash(row.prevHash, row);
    if (expected !== row.hash) return broken('content_changed');
    position.id = row.id;
    position.hash = row.hash;
    position.keyedSeen ||= row.keyed;
    position.checked++;
  }
  return { verdict: { ok: true, checked: position.checked }, position };
}
