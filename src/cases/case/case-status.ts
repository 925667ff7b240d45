import { conflict } from '../../common/http/errors.js';

/** The case workflow of docs/ARCHITECTURE.md, as data; anything not in the table is a 409. */
export const CASE_STATUSES = [
  'reported', // 报案
  'registered', // 立案
  'investigating', // 侦查中
  'solved', // 破案
  'closed', // 结案
  'rejected', // 不予立案
  'suspended', // 中止
] as const;

export type CaseStatus = (typeof CASE_STATUSES)[number];

/** Chinese labels, as they appear on forms and in statistics. */
export const CASE_STATUS_LABELS: Readonly<Record<CaseStatus, string>> = {
  reported: '报案',
  registered: '立案',
  investigating: '侦查中',
  solved: '破案',
  closed: '结案',
  rejected: '不予立案',
  suspended: '中止',
};

/** The status a new case starts in. */
export const INITIAL_CASE_STATUS: CaseStatus = 'reported';

/**
 * Allowed next statuses. A suspended investigation (中止) may resume; a closed case (结案) and a
 * refusal to register (不予立案) are final here — reopening one is a new decision, not a step.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  reported: ['registered', 'rejected'],
  registered: ['investigating'],
  investigating: ['solved', 'suspended'],
  suspended: ['investigating'],
  solved: ['closed'],
  closed: [],
  rejected: [],
};

export const isCaseStatus = (s: string): s is CaseStatus =>
  (CASE_STATUSES as readonly string[]).includes(s);

/** The statuses a case in `from` may move to. */
export const nextStatuses = (from: CaseStatus): readonly CaseStatus[] => ALLOWED_TRANSITIONS[from];

/** Whether a case in `from` has no way out. */
export const isTerminal = (status: CaseStatus): boolean => ALLOWED_TRANSITIONS[status].length === 0;

/**
 * Whether a case may move from `from` to `to`. Staying in the same status is not a transition.
 * Unknown strings (say, from an old row) answer false rather than throw.
 */
export function canTransition(from: CaseStatus, to: CaseStatus): boolean {
  return isCaseStatus(from) && isCaseStatus(to) && ALLOWED_TRANSITIONS[from].includes(to);
}

const label = (s: CaseStatus) => `${s} (${CASE_STATUS_LABELS[s] ?? '?'})`;

/**
 * Throws a 409 unless `from` → `to` is allowed. The answer names both statuses and the allowed
 * next ones, so the client can show the officer what is possible instead.
 */
export function assertTransition(from: CaseStatus, to: CaseStatus): void {
  if (canTransition(from, to)) return;
  const allowed = isCaseStatus(from) ? ALLOWED_TRANSITIONS[from] : [];
  const next = allowed.length ? allowed.join(', ') : 'none';
  throw conflict(
    `A case cannot go from ${label(from)} to ${label(to)}; allowed next: ${
      allowed.length ? allowed.map(label).join(', ') : `none, ${from} is final`
    }`,
    [{ field: 'to', problem: `is not allowed from ${from} (allowed: ${next})` }],
  );
}
