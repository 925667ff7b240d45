import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { allocate, AllocationClaim, needsNotice } from './allocator.js';

const claimArb = fc.record({
  victimId: fc.uuid(),
  tracedFen: fc.integer({ min: 0, max: 50_000_000_00 }),
  capFen: fc.integer({ min: 0, max: 50_000_000_00 }),
});
const claimsArb = fc.uniqueArray(claimArb, { selector: (c) => c.victimId, maxLength: 12 });
const amountArb = fc.integer({ min: 0, max: 100_000_000_00 });

const capsTotal = (claims: AllocationClaim[]) =>
  claims.filter((c) => c.tracedFen > 0).reduce((s, c) => s + c.capFen, 0);

describe('allocator (返还分配)', () => {
  it('gives everything to the one victim whose money went in, up to the loss not yet returned', () => {
    const plan = allocate(1_000_00, [
      { victimId: 'v1', tracedFen: 5_000_00, capFen: 5_000_00 },
      { victimId: 'v2', tracedFen: 0, capFen: 9_000_00 },
    ]);
    assert.deepEqual(plan, {
      method: 'single_victim',
      totalFen: 1_000_00,
      parts: [{ victimId: 'v1', amountFen: 1_000_00 }],
    });
    assert.equal(allocate(9_000_00, [{ victimId: 'v1', tracedFen: 5, capFen: 700 }]).totalFen, 700);
  });

  it('returns each traced deposit in full when the money covers them all, without notice', () => {
    const plan = allocate(10_000_00, [
      { victimId: 'b', tracedFen: 3_000_00, capFen: 3_000_00 },
      { victimId: 'a', tracedFen: 2_000_00, capFen: 8_000_00 },
    ]);
    assert.equal(plan.method, 'traced_transfer');
    assert.equal(needsNotice(plan.method), false);
    assert.deepEqual(plan.parts, [
      { victimId: 'a', amountFen: 2_000_00 },
      { victimId: 'b', amountFen: 3_000_00 },
    ]);
  });

  it('shares too little money pro rata in whole fen by largest remainder, with a public notice', () => {
    // 100 fen over losses 1:1:1 → 34, 33, 33; the tie on remainders goes to the smallest id.
    const plan = allocate(100, [
      { victimId: 'c', tracedFen: 500, capFen: 500 },
      { victimId: 'a', tracedFen: 500, capFen: 500 },
      { victimId: 'b', tracedFen: 500, capFen: 500 },
    ]);
    assert.equal(plan.method, 'pro_rata');
    assert.equal(needsNotice(plan.method), true);
    assert.deepEqual(
      plan.parts.map((p) => p.amountFen),
      [34, 33, 33],
    );
    // 1,000,000 fen over 50,000 / 30,000 / 20,000 yuan of traced loss → 5:3:2.
    const issue = allocate(1_000_000, [
      { victimId: 'v1', tracedFen: 5_000_000, capFen: 5_000_000 },
      { victimId: 'v2', tracedFen: 3_000_000, capFen: 3_000_000 },
      { victimId: 'v3', tracedFen: 2_000_000, capFen: 2_000_000 },
    ]);
    assert.deepEqual(
      issue.parts.map((p) => p.amountFen),
      [500_000, 300_000, 200_000],
    );
  });

  it('caps a victim at the loss not yet returned and shares the rest among the others', () => {
    const plan = allocate(900, [
      { victimId: 'a', tracedFen: 1000, capFen: 100 },
      { victimId: 'b', tracedFen: 1000, capFen: 1000 },
      { victimId: 'c', tracedFen: 1000, capFen: 1000 },
    ]);
    assert.equal(plan.method, 'pro_rata');
    assert.deepEqual(
      plan.parts.map((p) => p.amountFen),
      [100, 400, 400],
    );
  });

  it('property: parts add up exactly to min(amount, Σ caps), none negative, none over its cap', () => {
    fc.assert(
      fc.property(amountArb, claimsArb, (amount, claims) => {
        const plan = allocate(amount, claims);
        const sum = plan.parts.reduce((s, p) => s + p.amountFen, 0);
        assert.equal(sum, plan.totalFen);
        assert.ok(sum <= amount);
        const byId = new Map(claims.map((c) => [c.victimId, c]));
        for (const p of plan.parts) {
          assert.ok(Number.isSafeInteger(p.amountFen) && p.amountFen > 0);
          const c = byId.get(p.victimId);
          assert.ok(c && c.tracedFen > 0, 'only victims whose money went in get a part');
          assert.ok(p.amountFen <= c.capFen, 'never more than the loss not yet returned');
        }
        if (plan.method === 'pro_rata') assert.equal(sum, Math.min(amount, capsTotal(claims)));
        if (plan.method === 'traced_transfer') {
          for (const p of plan.parts) {
            const c = byId.get(p.victimId)!;
            assert.equal(p.amountFen, Math.min(c.tracedFen, c.capFen));
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('property: the split does not depend on the order the victims are given in', () => {
    fc.assert(
      fc.property(
        amountArb,
        claimsArb.chain((claims) =>
          fc.tuple(fc.constant(claims), fc.shuffledSubarray(claims, { minLength: claims.length })),
        ),
        (amount, [claims, shuffled]) => {
          assert.deepEqual(allocate(amount, shuffled), allocate(amount, claims));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: pro rata parts are within one fen of the exact proportional share when no cap binds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.uniqueArray(
          fc.record({ victimId: fc.uuid(), tracedFen: fc.integer({ min: 1, max: 1e9 }) }),
          {
            selector: (c) => c.victimId,
            minLength: 2,
            maxLength: 8,
          },
        ),
        (amount, raw) => {
          const claims = raw.map((c) => ({ ...c, capFen: Number.MAX_SAFE_INTEGER }));
          const w = claims.reduce((s, c) => s + BigInt(c.tracedFen), 0n);
          const plan = allocate(amount, claims);
          if (plan.method !== 'pro_rata') return;
          for (const p of plan.parts) {
            const c = claims.find((x) => x.victimId === p.victimId)!;
            const exactFloor = (BigInt(amount) * BigInt(c.tracedFen)) / w;
            const got = BigInt(p.amountFen);
            assert.ok(got === exactFloor || got === exactFloor + 1n);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses negative or fractional amounts and a victim named twice', () => {
    assert.throws(() => allocate(-1, []), RangeError);
    assert.throws(() => allocate(1.5, []), RangeError);
    assert.throws(
      () =>
        allocate(10, [
          { victimId: 'a', tracedFen: 1, capFen: 1 },
          { victimId: 'a', tracedFen: 1, capFen: 1 },
        ]),
      RangeError,
    );
  });
});
