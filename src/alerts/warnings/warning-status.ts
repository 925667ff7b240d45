/**
 * The warning workflow (预警审批发布), as a pure function so every rule is unit-tested:
 *
 *   draft ──approve──▶ approved ──publish──▶ published
 *                         │  └──publish at──▶ scheduled ──falls due──▶ published
 *                         └─────────┬──────────────┴───────────────────────┘
 *                                withdraw ──▶ withdrawn
 *
 * Approval is four-eyes: a supervisor who is not the author. Anything else is a 409.
 */
export const WARNING_STATUSES = [
  'draft',
  'approved',
  'scheduled',
  'published',
  'withdrawn',
] as const;
export type WarningStatus = (typeof WARNING_STATUSES)[number];

export const SEVERITIES = ['extreme', 'severe', 'moderate', 'minor'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type WarningAction =
  | { kind: 'approve'; actorId: string; actorIsSupervisor: boolean }
  | { kind: 'publish'; nowMs: number; publishAtMs: number | null }
  | { kind: 'falls_due'; nowMs: number }
  | { kind: 'withdraw' }
  | { kind: 'edit' };

export interface WarningState {
  status: WarningStatus;
  authorId: string | null;
}

export type Verdict = { ok: true; to: WarningStatus } | { ok: false; problem: string };

export function nextWarningStatus(w: WarningState, action: WarningAction): Verdict {
  const refuse = (problem: string): Verdict => ({ ok: false, problem });
  switch (action.kind) {
    case 'edit':
      return w.status === 'draft'
        ? { ok: true, to: 'draft' }
        : refuse(`a ${w.status} warning can no longer be edited`);
    case 'approve':
      if (w.status !== 'draft') return refuse(`a ${w.status} warning cannot be approved`);
      if (!action.actorIsSupervisor) return refuse('only a supervisor may approve a warning');
      if (w.authorId !== null && w.authorId === action.actorId)
        return refuse('the author may not approve their own warning (four-eyes)');
      return { ok: true, to: 'approved' };
    case 'publish':
      if (w.status === 'draft') return refuse('a draft must be approved before it is published');
      if (w.status !== 'approved') return refuse(`a ${w.status} warning cannot be published`);
      return action.publishAtMs !== null && action.publishAtMs > action.nowMs
        ? { ok: true, to: 'scheduled' }
        : { ok: true, to: 'published' };
    case 'falls_due':
      return w.status === 'scheduled'
        ? { ok: true, to: 'published' }
        : refuse(`a ${w.status} warning is not waiting to be published`);
    case 'withdraw':
      if (w.status === 'draft')
        return refuse('a draft was never sent; there is nothing to withdraw');
      if (w.status === 'withdrawn') return refuse('the warning is already withdrawn');
      return { ok: true, to: 'withdrawn' };
  }
}
