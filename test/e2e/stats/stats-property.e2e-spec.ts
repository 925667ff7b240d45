import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import fc from 'fast-check';
import { bootApp, TestApp, USERS } from '../../harness.js';
import { directFigures, whoIs } from './direct-count.js';
import { statsKit } from './scenario.js';

const TYPES = ['task_rebate', 'fake_investment', 'romance'] as const;
const STATUSES = ['registered', 'investigating', 'solved', 'closed', 'rejected', 'suspended'];

type Op =
  | { op: 'file'; nanming: boolean; ft: number; amount: number; minutesAgo: number }
  | { op: 'move'; i: number; to: number }
  | { op: 'transfer'; i: number; amount: number }
  | { op: 'retype'; i: number; ft: number }
  | { op: 'order'; i: number; freeze: boolean; frozenPct: number | null }
  | { op: 'recover'; i: number; pct: number; sign: boolean }
  | { op: 'flag'; i: number | null; amount: number }
  | { op: 'publish'; ft: number };

const amount = fc.integer({ min: 1, max: 10_000_000 });
const idx = fc.nat(20);
const fileOp = fc.record({
  op: fc.constant('file' as const),
  nanming: fc.boolean(),
  ft: fc.nat(2),
  amount,
  minutesAgo: fc.integer({ min: 0, max: 3 * 24 * 60 }),
});
const op: fc.Arbitrary<Op> = fc.oneof(
  fileOp,
  fc.record({ op: fc.constant('move' as const), i: idx, to: fc.nat(STATUSES.length - 1) }),
  fc.record({ op: fc.constant('transfer' as const), i: idx, amount }),
  fc.record({ op: fc.constant('retype' as const), i: idx, ft: fc.nat(2) }),
  fc.record({
    op: fc.constant('order' as const),
    i: idx,
    freeze: fc.boolean(),
    frozenPct: fc.option(fc.integer({ min: 1, max: 100 })),
  }),
  fc.record({
    op: fc.constant('recover' as const),
    i: idx,
    pct: fc.integer({ min: 1, max: 100 }),
    sign: fc.boolean(),
  }),
  fc.record({ op: fc.constant('flag' as const), i: fc.option(idx), amount }),
  fc.record({ op: fc.constant('publish' as const), ft: fc.nat(2) }),
);

/**
 * A random sequence of changes made through the API — filings, status moves, new transfers (loss),
 * fraud-type corrections, stop-payment and freeze orders with the bank's answer, recoveries with
 * their allocation and signed return, flags (hitting a case's card or not), published warnings —
 * then every figure of every role equals a direct count of the rows in its scope.
 */
describe('statistics stay equal to the rows through any sequence of changes', () => {
  let t: TestApp;
  const k = statsKit(() => t);
  beforeAll(async () => {
    t = await bootApp();
  }, 120_000);
  afterAll(async () => t?.close());

  it('holds for random sequences', async () => {
    type Filed = Awaited<ReturnType<typeof k.fileCase>> & {
      orders: { id: string; frozen: number }[];
      loss: number;
    };
    const cases: Filed[] = [];
    const from = k.chinaDay(-5);
    const to = k.chinaDay(1);
    await fc.assert(
      // Each sequence starts with a filing, so the other changes have a case to act on in every run
      // (left to chance, four short sequences sometimes filed nothing and checked only empty figures).
      fc.asyncProperty(fc.tuple(fileOp, fc.array(op, { maxLength: 8 })), async ([first, rest]) => {
        const ops: Op[] = [first, ...rest];
        for (const o of ops) {
          const c = 'i' in o && o.i !== null && cases.length ? cases[o.i % cases.length] : null;
          switch (o.op) {
            case 'file': {
              const user = o.nanming ? USERS.officerNanming : USERS.officer;
              const f = await k.fileCase(user, TYPES[o.ft], o.amount, o.minutesAgo);
              cases.push({ ...f, orders: [], loss: o.amount });
              break;
            }
            case 'move':
              if (c) await k.move(c.user, c.id, STATUSES[o.to]);
              break;
            case 'transfer':
              if (c) {
                const res = await t
                  .http()
                  .post(`/api/v1/cases/${c.id}/transfers`)
                  .set(await k.as(c.user))
                  .send({
                    victimId: c.victimId,
                    identifierId: c.identifierId,
                    amountFen: o.amount,
                    transferredAt: new Date(k.now() - 3_600_000).toISOString(),
                    channel: 'bank_transfer',
                  });
                assert.equal(res.status, 201, JSON.stringify(res.body));
                c.loss += o.amount;
              }
              break;
            case 'retype':
              if (c)
                await t
                  .http()
                  .patch(`/api/v1/cases/${c.id}`)
                  .set(await k.as(c.user))
                  .send({ fraudType: TYPES[o.ft] })
                  .expect(200);
              break;
            case 'order':
              if (c) {
                const frozen =
                  o.frozenPct === null
                    ? null
                    : Math.max(1, Math.floor((c.loss * o.frozenPct) / 100));
                const id = await k.order(c, o.freeze ? 'freeze' : 'stop_payment', c.loss, frozen);
                if (id && o.freeze && frozen !== null) c.orders.push({ id, frozen });
              }
              break;
            case 'recover':
              if (c && c.orders.length) {
                const ord = c.orders[c.orders.length - 1];
                await k.recoverAndReturn(
                  c,
                  ord.id,
                  Math.max(1, Math.floor((ord.frozen * o.pct) / 100)),
                  o.sign,
                );
              }
              break;
            case 'flag':
              await k.flag(c ? c.card : null, o.amount);
              break;
            case 'publish':
              await k.publishWarning(TYPES[o.ft]);
              break;
          }
        }
        // Every role's overview, and every endpoint for one user of each kind of scope.
        for (const user of Object.values(USERS)) {
          const who = await whoIs(t.db, user);
          const got = await k.get(user, `overview?from=${from}&to=${to}`);
          const want = await directFigures(t.db, who, from, to);
          assert.deepEqual(
            Object.fromEntries(Object.keys(want).map((key) => [key, got[key]])),
            want,
            `${user} after ${JSON.stringify(ops)}`,
          );
        }
        for (const user of [USERS.admin, USERS.officer, USERS.icbc])
          await k.checkAll(user, from, to, 'day');
      }),
      { numRuns: 4, endOnFailure: true },
    );
    assert.ok(cases.length > 0);
  }, 600_000);
});
