import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import {
  auditHash,
  AuditRecord,
  canonicalJson,
  ChainRow,
  GENESIS_HASH,
  verifyChain,
} from './audit-hash.js';

function record(i: number, details: Record<string, unknown> = { n: i }): AuditRecord {
  return {
    occurredAt: new Date(Date.UTC(2025, 10, 1, 8, 0, i)),
    actorKind: 'user',
    actorId: '3f0c2a52-6a4e-4a8e-9b0e-1b7f2f1d0a01',
    actorRole: 'officer',
    actorUnitId: '8d1b7c0e-2f4a-4c55-9a37-6e2b0c9d1e02',
    action: 'case.update',
    entity: 'case',
    entityId: `case-${i}`,
    requestId: `req-${i}`,
    ip: '10.0.0.1',
    details,
  };
}

/** A correctly chained log of `n` rows with ids 1..n. */
function chain(n: number): ChainRow[] {
  const rows: ChainRow[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const r = record(i);
    const hash = auditHash(prev, r);
    rows.push({ ...r, id: String(i), prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

describe('audit hash chain', () => {
  it('accepts an untouched chain and counts its rows', () => {
    const rows = chain(5);
    const verdict = verifyChain(rows, GENESIS_HASH);
    assert.equal(verdict.ok, true);
    assert.equal(verdict.checked, 5);
    assert.equal(verdict.lastHash, rows[4].hash);
  });

  it('accepts an empty log', () => {
    assert.deepEqual(verifyChain([], GENESIS_HASH), {
      ok: true,
      checked: 0,
      lastHash: GENESIS_HASH,
    });
  });

  it('continues a chain checked page by page', () => {
    const rows = chain(6);
    const first = verifyChain(rows.slice(0, 3), GENESIS_HASH);
    const second = verifyChain(rows.slice(3), first.lastHash, first.checked);
    assert.equal(second.ok, true);
    assert.equal(second.checked, 6);
  });

  it('names an edited row as content_changed', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2], details: { n: 3, amountFen: 999 } };
    const verdict = verifyChain(rows, GENESIS_HASH);
    assert.equal(verdict.ok, false);
    assert.ok(!verdict.ok);
    assert.equal(verdict.brokenId, '3');
    assert.equal(verdict.reason, 'content_changed');
    assert.equal(verdict.checked, 2);
  });

  it('names an edited row even when only its actor changed', () => {
    const rows = chain(3);
    rows[1] = { ...rows[1], actorId: null };
    const verdict = verifyChain(rows, GENESIS_HASH);
    assert.ok(!verdict.ok);
    assert.equal(verdict.brokenId, '2');
    assert.equal(verdict.reason, 'content_changed');
  });

  it('names the row after a removed one as chain_broken', () => {
    const rows = chain(5);
    rows.splice(2, 1); // row 3 removed
    const verdict = verifyChain(rows, GENESIS_HASH);
    assert.ok(!verdict.ok);
    assert.equal(verdict.brokenId, '4');
    assert.equal(verdict.reason, 'chain_broken');
    assert.equal(verdict.checked, 2);
  });

  it('names a removed first row as chain_broken', () => {
    const rows = chain(3).slice(1);
    const verdict = verifyChain(rows, GENESIS_HASH);
    assert.ok(!verdict.ok);
    assert.equal(verdict.brokenId, '2');
    assert.equal(verdict.reason, 'chain_broken');
  });

  it('names reordered rows as chain_broken', () => {
    const rows = chain(4);
    [rows[1], rows[2]] = [rows[2], rows[1]];
    const verdict = verifyChain(rows, GENESIS_HASH);
    assert.ok(!verdict.ok);
    assert.equal(verdict.brokenId, '3');
    assert.equal(verdict.reason, 'chain_broken');
  });

  it('depends on the previous hash', () => {
    const r = record(1);
    assert.notEqual(auditHash(GENESIS_HASH, r), auditHash('f'.repeat(64), r));
    assert.match(auditHash(GENESIS_HASH, r), /^[0-9a-f]{64}$/);
  });

  it('does not depend on the key order of details, at any depth', () => {
    const a = record(1, { b: 2, a: 1, nested: { y: [1, { q: 1, p: 2 }], x: 'x' } });
    const b = record(1, { nested: { x: 'x', y: [1, { p: 2, q: 1 }] }, a: 1, b: 2 });
    assert.equal(auditHash(GENESIS_HASH, a), auditHash(GENESIS_HASH, b));
  });

  it('changes with any value in details', () => {
    const a = record(1, { a: 1, b: 2 });
    const b = record(1, { a: 1, b: 3 });
    assert.notEqual(auditHash(GENESIS_HASH, a), auditHash(GENESIS_HASH, b));
  });
});

describe('canonicalJson', () => {
  it('sorts object keys at every level but keeps array order', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, 1], c: null } }),
      '{"a":{"c":null,"d":[3,1]},"b":1}',
    );
  });

  it('writes dates as ISO strings and leaves out undefined fields', () => {
    assert.equal(
      canonicalJson({ at: new Date('2025-11-01T00:00:00.000Z'), gone: undefined }),
      '{"at":"2025-11-01T00:00:00.000Z"}',
    );
  });

  it('writes undefined and null alike', () => {
    assert.equal(canonicalJson(undefined), 'null');
    assert.equal(canonicalJson(null), 'null');
  });

  it('round-trips through JSON (as jsonb would store it) to the same text', () => {
    const value = { z: 'é', a: [1, 2.5, 'x'], m: { k: true } };
    const reparsed: unknown = JSON.parse(JSON.stringify(value));
    assert.equal(canonicalJson(reparsed), canonicalJson(value));
  });
});
