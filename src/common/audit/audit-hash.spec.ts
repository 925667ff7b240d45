import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { anchorLine, latestAnchor, parseAnchors } from './audit-anchor.js';
import {
  auditHash,
  AuditRecord,
  canonicalJson,
  ChainRow,
  GENESIS_HASH,
  legacyAuditHash,
  verifyChain,
} from './audit-hash.js';

const KEY = Buffer.alloc(32, 1);

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
    clientRequestId: null,
    ip: '10.0.0.1',
    details,
  };
}

/** A correctly chained log of `n` rows with ids 1..n; the first `legacy` of them unkeyed. */
function chain(n: number, legacy = 0): ChainRow[] {
  const rows: ChainRow[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const r = record(i);
    const keyed = i > legacy;
    const hash = keyed ? auditHash(KEY, prev, r) : legacyAuditHash(prev, r);
    rows.push({ ...r, id: String(i), prevHash: prev, hash, keyed });
    prev = hash;
  }
  return rows;
}

const verdictOf = (rows: ChainRow[], key = KEY) => verifyChain(rows, key).verdict;

describe('audit hash chain', () => {
  it('accepts an untouched chain and counts its rows', () => {
    const rows = chain(5);
    const { verdict, position } = verifyChain(rows, KEY);
    assert.deepEqual(verdict, { ok: true, checked: 5 });
    assert.equal(position.hash, rows[4].hash);
    assert.equal(position.id, '5');
  });

  it('accepts an empty log', () => {
    assert.deepEqual(verdictOf([]), { ok: true, checked: 0 });
  });

  it('continues a chain checked page by page', () => {
    const rows = chain(6);
    const first = verifyChain(rows.slice(0, 3), KEY);
    const second = verifyChain(rows.slice(3), KEY, first.position);
    assert.deepEqual(second.verdict, { ok: true, checked: 6 });
  });

  it('names an edited row as content_changed', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2], details: { n: 3, amountFen: 999 } };
    assert.deepEqual(verdictOf(rows), {
      ok: false,
      checked: 2,
      brokenId: '3',
      reason: 'content_changed',
    });
  });

  it('names an edited row even when only its actor changed', () => {
    const rows = chain(3);
    rows[1] = { ...rows[1], actorId: null };
    const verdict = verdictOf(rows);
    assert.ok(!verdict.ok);
    assert.equal(verdict.brokenId, '2');
    assert.equal(verdict.reason, 'content_changed');
  });

  it('refuses a row rewritten and rehashed without the key (plain SHA-256), marked keyed or not', () => {
    for (const keyed of [true, false]) {
      const rows = chain(4);
      const forged = { ...rows[3], details: { n: 4, forged: true } };
      rows[3] = { ...forged, keyed, hash: legacyAuditHash(forged.prevHash, forged) };
      const verdict = verdictOf(rows);
      assert.ok(!verdict.ok);
      assert.equal(verdict.brokenId, '4');
      assert.equal(verdict.reason, 'content_changed');
    }
  });

  it('refuses every row under another key', () => {
    const verdict = verdictOf(chain(2), Buffer.alloc(32, 2));
    assert.ok(!verdict.ok);
    assert.equal(verdict.brokenId, '1');
  });

  it('accepts unkeyed rows written before the key, only ahead of the keyed ones', () => {
    assert.deepEqual(verdictOf(chain(5, 2)), { ok: true, checked: 5 });
  });

  it('names a removed row by the gap in ids', () => {
    const rows = chain(5);
    rows.splice(2, 1); // row 3 removed
    assert.deepEqual(verdictOf(rows), {
      ok: false,
      checked: 2,
      brokenId: '3',
      reason: 'rows_missing',
      missingTo: '3',
    });
  });

  it('names a run of removed rows, and a removed first row', () => {
    const rows = chain(6);
    const run = verdictOf([...rows.slice(0, 1), ...rows.slice(4)]);
    assert.ok(!run.ok);
    assert.deepEqual([run.brokenId, run.missingTo, run.reason], ['2', '4', 'rows_missing']);
    const first = verdictOf(rows.slice(1));
    assert.ok(!first.ok);
    assert.deepEqual([first.brokenId, first.reason], ['1', 'rows_missing']);
  });

  it('accepts a gap in ids that breaks no link (a rolled-back insert)', () => {
    const rows = chain(3).map((r, i) => (i === 2 ? { ...r, id: '7' } : r));
    assert.deepEqual(verdictOf(rows), { ok: true, checked: 3 });
  });

  it('names rows whose contents were swapped as chain_broken', () => {
    const rows = chain(4);
    [rows[1], rows[2]] = [
      { ...rows[2], id: '2' },
      { ...rows[1], id: '3' },
    ];
    const verdict = verdictOf(rows);
    assert.ok(!verdict.ok);
    assert.equal(verdict.brokenId, '2');
    assert.equal(verdict.reason, 'chain_broken');
  });

  it('depends on the previous hash and on the key', () => {
    const r = record(1);
    assert.notEqual(auditHash(KEY, GENESIS_HASH, r), auditHash(KEY, 'f'.repeat(64), r));
    assert.notEqual(
      auditHash(KEY, GENESIS_HASH, r),
      auditHash(Buffer.alloc(32, 2), GENESIS_HASH, r),
    );
    assert.match(auditHash(KEY, GENESIS_HASH, r), /^[0-9a-f]{64}$/);
  });

  it("covers the client's request id", () => {
    const r = record(1);
    assert.notEqual(
      auditHash(KEY, GENESIS_HASH, r),
      auditHash(KEY, GENESIS_HASH, { ...r, clientRequestId: 'abc-123' }),
    );
  });

  it('does not depend on the key order of details, at any depth', () => {
    const a = record(1, { b: 2, a: 1, nested: { y: [1, { q: 1, p: 2 }], x: 'x' } });
    const b = record(1, { nested: { x: 'x', y: [1, { p: 2, q: 1 }] }, a: 1, b: 2 });
    assert.equal(auditHash(KEY, GENESIS_HASH, a), auditHash(KEY, GENESIS_HASH, b));
  });

  it('changes with any value in details', () => {
    const a = record(1, { a: 1, b: 2 });
    const b = record(1, { a: 1, b: 3 });
    assert.notEqual(auditHash(KEY, GENESIS_HASH, a), auditHash(KEY, GENESIS_HASH, b));
  });
});

describe('audit anchors', () => {
  const at = new Date('2025-11-01T00:00:00.000Z');
  it('reads back the lines it writes and picks the highest row', () => {
    const text =
      anchorLine(KEY, { at, id: '12', hash: 'a'.repeat(64) }) +
      anchorLine(KEY, { at, id: '9', hash: 'b'.repeat(64) });
    const { anchors, invalid } = parseAnchors(KEY, text);
    assert.equal(invalid, undefined);
    assert.deepEqual(latestAnchor(anchors), { at, id: '12', hash: 'a'.repeat(64) });
  });

  it('names a line not signed with the key (forged, edited, or another key)', () => {
    const good = anchorLine(KEY, { at, id: '3', hash: 'a'.repeat(64) });
    const edited = good.replace(' 3 ', ' 4 ');
    assert.deepEqual(parseAnchors(KEY, good + edited).invalid, { line: 2, id: '4' });
    assert.deepEqual(parseAnchors(Buffer.alloc(32, 2), good).invalid, { line: 1, id: '3' });
    assert.deepEqual(parseAnchors(KEY, 'garbage\n').invalid, { line: 1, id: '' });
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
