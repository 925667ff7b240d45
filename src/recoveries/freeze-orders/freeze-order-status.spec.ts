import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../../common/http/errors.js';
import {
  addMonths,
  DEFAULT_RENEW_WINDOW_DAYS,
  expiryOf,
  FREEZE_ORDER_STATUSES,
  FreezeOrderAction,
  FreezeOrderKind,
  FreezeOrderStatus,
  refusal,
  reminderOf,
  RENEWAL_MONTHS,
  renewalOpensAt,
  transition,
} from './freeze-order-status.js';

const NOW = new Date('2026-11-21T02:00:00Z');
const LATER = new Date('2026-11-22T02:00:00Z');
const PAST = new Date('2026-11-20T02:00:00Z');

const order = (
  kind: FreezeOrderKind,
  status: FreezeOrderStatus,
  expiresAt: Date | null = LATER,
) => ({
  kind,
  status,
  expiresAt,
});

function refused(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.getStatus(), HttpStatus.CONFLICT);
    return true;
  });
}

describe('freeze order state machine (止付/冻结)', () => {
  it('lets the bank answer a request once: frozen, partially frozen or rejected', () => {
    for (const a of ['frozen', 'partially_frozen', 'rejected'] as const)
      assert.equal(transition(order('stop_payment', 'requested', null), 'answer', NOW, a), a);
    for (const s of FREEZE_ORDER_STATUSES.filter((x) => x !== 'requested'))
      refused(() => transition(order('freeze', s), 'answer', NOW, 'frozen'));
  });

  it('renews only a live freeze before it lapses', () => {
    assert.equal(transition(order('freeze', 'frozen'), 'renew', NOW), 'frozen');
    assert.equal(transition(order('freeze', 'partially_frozen'), 'renew', NOW), 'partially_frozen');
    refused(() => transition(order('stop_payment', 'frozen'), 'renew', NOW));
    refused(() => transition(order('freeze', 'frozen', PAST), 'renew', NOW));
    for (const s of ['requested', 'rejected', 'released', 'expired'] as const)
      refused(() => transition(order('freeze', s), 'renew', NOW));
  });

  it('renews a freeze only in the window before its expiry, so once per period', () => {
    const DAY = 24 * 3600_000;
    const rules = { renewWindowDays: DEFAULT_RENEW_WINDOW_DAYS };
    assert.equal(DEFAULT_RENEW_WINDOW_DAYS, 15);
    // Just answered: six months to go, far before the window.
    const fresh = order('freeze', 'frozen', expiryOf('freeze', false, NOW));
    refused(() => transition(fresh, 'renew', NOW, undefined, rules));
    assert.match(
      refusal(fresh, 'renew', NOW, undefined, rules) ?? '',
      /renewed in the 15 days before it expires \(2027-05-21T02:00:00\.000Z\), from 2027-05-06T02:00:00\.000Z/,
    );
    // The window opens 15 days before the expiry, and stays open until it.
    const due = new Date(NOW.getTime() + 15 * DAY);
    assert.equal(renewalOpensAt(due, rules).toISOString(), NOW.toISOString());
    assert.equal(
      transition(order('freeze', 'frozen', due), 'renew', NOW, undefined, rules),
      'frozen',
    );
    const justBefore = new Date(NOW.getTime() - 1);
    refused(() =>
      transition(order('freeze', 'frozen', due), 'renew', justBefore, undefined, rules),
    );
    // Renewed: the expiry moves 6 months on, and the next renewal waits for the next window.
    const renewed = order('freeze', 'frozen', addMonths(due, RENEWAL_MONTHS));
    refused(() => transition(renewed, 'renew', NOW, undefined, rules));
    // A wider window (FREEZE_RENEW_WINDOW_DAYS=30) lets 20 days before pass.
    const in20 = order('freeze', 'frozen', new Date(NOW.getTime() + 20 * DAY));
    refused(() => transition(in20, 'renew', NOW, undefined, rules));
    assert.equal(transition(in20, 'renew', NOW, undefined, { renewWindowDays: 30 }), 'frozen');
  });

  it('converts only a live stop-payment into a freeze, before it expires', () => {
    assert.equal(
      transition(order('stop_payment', 'partially_frozen'), 'convert', NOW),
      'converted',
    );
    refused(() => transition(order('stop_payment', 'frozen', PAST), 'convert', NOW));
    refused(() => transition(order('freeze', 'frozen'), 'convert', NOW));
    refused(() => transition(order('stop_payment', 'converted'), 'convert', NOW));
    refused(() => transition(order('stop_payment', 'requested', null), 'convert', NOW));
  });

  it('releases live orders only, and expires them only at or after their expiry', () => {
    assert.equal(transition(order('freeze', 'frozen'), 'release', NOW), 'released');
    refused(() => transition(order('freeze', 'released'), 'release', NOW));
    refused(() => transition(order('freeze', 'requested', null), 'release', NOW));
    assert.equal(transition(order('freeze', 'frozen', NOW), 'expire', NOW), 'expired');
    refused(() => transition(order('freeze', 'frozen', LATER), 'expire', NOW));
    refused(() => transition(order('freeze', 'released', PAST), 'expire', NOW));
  });

  it('never leaves a final status', () => {
    const actions: FreezeOrderAction[] = ['answer', 'renew', 'release', 'convert', 'expire'];
    for (const s of ['rejected', 'released', 'expired', 'converted'] as const)
      for (const kind of ['stop_payment', 'freeze'] as const)
        for (const a of actions) refused(() => transition(order(kind, s, PAST), a, NOW, 'frozen'));
  });

  it('times: 48 hours for a stop-payment, 6 months for a freeze, 1 year for a major case', () => {
    assert.equal(expiryOf('stop_payment', false, NOW).toISOString(), '2026-11-23T02:00:00.000Z');
    assert.equal(expiryOf('freeze', false, NOW).toISOString(), '2027-05-21T02:00:00.000Z');
    assert.equal(expiryOf('freeze', true, NOW).toISOString(), '2027-11-21T02:00:00.000Z');
    assert.equal(
      addMonths(new Date('2026-08-31T00:00:00Z'), 6).toISOString(),
      '2027-02-28T00:00:00.000Z',
    );
    const sp = expiryOf('stop_payment', false, NOW);
    assert.equal(sp.getTime() - reminderOf('stop_payment', sp).getTime(), 12 * 3600_000);
    const fr = expiryOf('freeze', false, NOW);
    assert.equal(fr.getTime() - reminderOf('freeze', fr).getTime(), 7 * 24 * 3600_000);
  });
});
