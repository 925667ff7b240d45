import { conflict } from '../../common/http/errors.js';

/**
 * Stop-payment (紧急止付) and freeze (冻结) orders as data: kinds, statuses, what each action does
 * and the periods of the rules (2016 notice on stop-payment and rapid freezing; 公安机关办理刑事案件
 * 程序规定). Pure: no clock, no database; the service passes "now" in.
 */
export const FREEZE_ORDER_KINDS = ['stop_payment', 'freeze'] as const;
export type FreezeOrderKind = (typeof FREEZE_ORDER_KINDS)[number];

export const FREEZE_ORDER_STATUSES = [
  'requested', // 已发出, waiting for the bank
  'frozen', // 已止付/已冻结 in full
  'partially_frozen', // 部分止付/冻结
  'rejected', // 银行拒绝
  'released', // 已解除
  'expired', // 已到期 (not renewed)
  'converted', // 止付转冻结
] as const;
export type FreezeOrderStatus = (typeof FREEZE_ORDER_STATUSES)[number];

export const FREEZE_ORDER_KIND_LABELS: Readonly<Record<FreezeOrderKind, string>> = {
  stop_payment: '紧急止付',
  freeze: '冻结',
};

export const FREEZE_ORDER_STATUS_LABELS: Readonly<Record<FreezeOrderStatus, string>> = {
  requested: '待银行反馈',
  frozen: '已止付/冻结',
  partially_frozen: '部分止付/冻结',
  rejected: '银行拒绝',
  released: '已解除',
  expired: '已到期',
  converted: '已转冻结',
};

/** The answers a bank may give. */
export const BANK_ANSWERS = ['frozen', 'partially_frozen', 'rejected'] as const;
export type BankAnswer = (typeof BANK_ANSWERS)[number];

export type FreezeOrderAction = 'answer' | 'renew' | 'release' | 'convert' | 'expire';

/** Statuses in which the money is held and the order runs towards its expiry. */
export const LIVE_STATUSES: readonly FreezeOrderStatus[] = ['frozen', 'partially_frozen'];
export const isLive = (s: FreezeOrderStatus): boolean => LIVE_STATUSES.includes(s);

/** A stop-payment may be repeated at most twice on the same account: three in all. */
export const MAX_STOP_PAYMENTS_PER_ACCOUNT = 3;

export const STOP_PAYMENT_HOURS = 48;
export const FREEZE_MONTHS = 6;
export const MAJOR_CASE_FREEZE_MONTHS = 12;
/** Each renewal of a freeze: at most 6 months from its current expiry. */
export const RENEWAL_MONTHS = 6;
/** Reminders: 12 hours before a stop-payment expires, 7 days before a freeze does. */
export const STOP_PAYMENT_REMIND_BEFORE_MS = 12 * 3600_000;
export const FREEZE_REMIND_BEFORE_MS = 7 * 24 * 3600_000;

const HOUR_MS = 3600_000;

/** `months` calendar months after `from` (UTC), clamped to the month's last day (31 Aug + 6 → 28/29 Feb). */
export function addMonths(from: Date, months: number): Date {
  const d = new Date(from.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

/** When an order answered (or converted) at `from` expires. */
export function expiryOf(kind: FreezeOrderKind, majorCase: boolean, from: Date): Date {
  if (kind === 'stop_payment') return new Date(from.getTime() + STOP_PAYMENT_HOURS * HOUR_MS);
  return addMonths(from, majorCase ? MAJOR_CASE_FREEZE_MONTHS : FREEZE_MONTHS);
}

/** When the responsible officer is reminded of an expiry. */
export function reminderOf(kind: FreezeOrderKind, expiresAt: Date): Date {
  const before = kind === 'stop_payment' ? STOP_PAYMENT_REMIND_BEFORE_MS : FREEZE_REMIND_BEFORE_MS;
  return new Date(expiresAt.getTime() - before);
}

/** Renewal opens this many days before a freeze's expiry, unless configured (FREEZE_RENEW_WINDOW_DAYS). */
export const DEFAULT_RENEW_WINDOW_DAYS = 15;

export interface OrderState {
  kind: FreezeOrderKind;
  status: FreezeOrderStatus;
  expiresAt: Date | null;
}

/** The time-bound rules the service passes in with "now". */
export interface OrderRules {
  /**
   * A freeze is renewed only in the last `renewWindowDays` days before its expiry, so each period
   * is renewed once: a renewal moves the expiry 6 months on, and with it the next window.
   */
  renewWindowDays: number;
}

/** When renewing a freeze that expires at `expiresAt` becomes possible. */
export function renewalOpensAt(expiresAt: Date, rules: OrderRules): Date {
  return new Date(expiresAt.getTime() - rules.renewWindowDays * 24 * HOUR_MS);
}

/** Why an action is refused, or null when it is allowed. */
export function refusal(
  order: OrderState,
  action: FreezeOrderAction,
  now: Date,
  answer?: BankAnswer,
  rules: OrderRules = { renewWindowDays: DEFAULT_RENEW_WINDOW_DAYS },
): string | null {
  const expired = order.expiresAt !== null && now.getTime() >= order.expiresAt.getTime();
  switch (action) {
    case 'answer':
      if (order.status !== 'requested') return `the bank has already answered (${order.status})`;
      if (answer === undefined || !BANK_ANSWERS.includes(answer)) return 'not a bank answer';
      return null;
    case 'renew':
      if (order.kind !== 'freeze')
        return 'only a freeze can be renewed (a stop-payment is repeated or converted)';
      if (!isLive(order.status)) return `a ${order.status} freeze cannot be renewed`;
      if (expired) return 'the freeze has already lapsed';
      if (order.expiresAt && now < renewalOpensAt(order.expiresAt, rules))
        return `a freeze is renewed in the ${rules.renewWindowDays} days before it expires (${order.expiresAt.toISOString()}), from ${renewalOpensAt(order.expiresAt, rules).toISOString()}`;
      return null;
    case 'convert':
      if (order.kind !== 'stop_payment')
        return 'only a stop-payment can be converted into a freeze';
      if (!isLive(order.status)) return `a ${order.status} stop-payment cannot be converted`;
      if (expired) return 'the stop-payment has already expired';
      return null;
    case 'release':
      if (!isLive(order.status)) return `a ${order.status} order cannot be released`;
      return null;
    case 'expire':
      if (!isLive(order.status)) return `a ${order.status} order does not expire`;
      if (!expired) return 'the order has not reached its expiry';
      return null;
  }
}

/** The status after an allowed action. */
export function nextStatus(
  order: OrderState,
  action: FreezeOrderAction,
  answer?: BankAnswer,
): FreezeOrderStatus {
  switch (action) {
    case 'answer':
      return answer as BankAnswer;
    case 'renew':
      return order.status;
    case 'convert':
      return 'converted';
    case 'release':
      return 'released';
    case 'expire':
      return 'expired';
  }
}

/**
 * The state machine in one call: the next status, or a 409 saying why not. `now` decides the
 * time-bound steps (renewal only in the window before expiry; no conversion after expiry; no
 * expiry before it).
 */
export function transition(
  order: OrderState,
  action: FreezeOrderAction,
  now: Date,
  answer?: BankAnswer,
  rules?: OrderRules,
): FreezeOrderStatus {
  const why = refusal(order, action, now, answer, rules);
  if (why) {
    throw conflict(`Cannot ${action} this ${order.kind} order: ${why}`, [
      { field: 'status', problem: `${order.status} does not allow ${action}: ${why}` },
    ]);
  }
  return nextStatus(order, action, answer);
}
