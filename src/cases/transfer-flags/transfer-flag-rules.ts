/**
 * Pure rules of suspicious-transfer flags and dissuasion (预警劝阻): the risk grade, which unit
 * gets the task, and the Chinese text of the notifications. No I/O, unit-tested beside it.
 */
import { formatYuan } from '../../common/money.js';
import { maskAccount } from '../../common/pii/mask.js';
import type { RiskGrade } from '../dissuasions/entities/dissuasion.entity.js';
import { chinaTime } from '../../common/china-time.js';

/** A dissuasion task is due 30 minutes after it is opened: the money is usually still moving. */
export const DISSUASION_DUE_MS = 30 * 60 * 1000;

/** 50,000 yuan and 5,000 yuan, in fen. */
export const HIGH_RISK_FEN = 5_000_000;
export const MEDIUM_RISK_FEN = 500_000;

/**
 * The risk grade of a dissuasion task, from the flagged amount and the payee account's history
 * (in how many cases it is named): high from 50,000 yuan or 3 cases, medium from 5,000 yuan or
 * 2 cases, else low.
 */
export function riskGrade(amountFen: number, accountCaseCount: number): RiskGrade {
  if (amountFen >= HIGH_RISK_FEN || accountCaseCount >= 3) return 'high';
  if (amountFen >= MEDIUM_RISK_FEN || accountCaseCount >= 2) return 'medium';
  return 'low';
}

export interface LinkedCase {
  caseId: string;
  unitId: string;
  reportedAt: Date;
}

/**
 * The unit that must reach the payer: the owning unit of the most recently reported case that
 * names the payee account, i.e. the police unit currently following that account (ties: the
 * greater case id, so the choice is stable).
 *
 * docs/ARCHITECTURE.md asks for "the unit of the payer's area"; that needs the payer's address, which a bank
 * flag does not carry. When flags carry it (or the bank branch is mapped to a station), choose
 * the station of that area here.
 */
export function assignedUnit(cases: readonly LinkedCase[]): string | null {
  let best: LinkedCase | null = null;
  for (const c of cases) {
    if (
      !best ||
      c.reportedAt.getTime() > best.reportedAt.getTime() ||
      (c.reportedAt.getTime() === best.reportedAt.getTime() && c.caseId > best.caseId)
    )
      best = c;
  }
  return best?.unitId ?? null;
}

export const RISK_LABEL: Record<RiskGrade, string> = { high: '高', medium: '中', low: '低' };

/** At most this many lines in one notification; the rest are counted. */
export const MAX_LINES = 20;

function listed(head: string, lines: string[]): string {
  if (lines.length === 1) return lines[0];
  const shown = lines.slice(0, MAX_LINES).map((l, i) => `${i + 1}. ${l}`);
  const more =
    lines.length > MAX_LINES ? [`……另有${lines.length - MAX_LINES}条，请在系统中查看。`] : [];
  return [head, ...shown, ...more].join('\n');
}

export interface HitLine {
  caseNo: string;
  payeeAccount: string;
  amountFen: number;
  bankName: string;
  occurredAt: Date;
  dissuasion: { dueAt: Date; riskGrade: RiskGrade } | null;
}

export const HIT_TITLE = '可疑交易命中涉案账户';

/** One line per hit: the case, the masked account, the amount in yuan, the bank, the due time. */
export function hitLine(h: HitLine): string {
  const base = `${h.bankName}报送可疑交易：${chinaTime(h.occurredAt)}向案件${h.caseNo}的涉案账户${maskAccount(h.payeeAccount)}转账${formatYuan(h.amountFen)}元。`;
  if (!h.dissuasion) return base;
  return `${base}已生成预警劝阻任务（风险${RISK_LABEL[h.dissuasion.riskGrade]}），请于${chinaTime(h.dissuasion.dueAt)}前联系付款人劝阻。`;
}

/** The body of one user's notification for the hits of one batch. */
export function hitNotificationBody(hits: readonly HitLine[]): string {
  return listed(`${hits.length}笔可疑交易命中您负责的案件的涉案账户：`, hits.map(hitLine));
}

export interface OverdueLine {
  payerAccount: string;
  payeeAccount: string;
  amountFen: number;
  bankName: string;
  riskGrade: RiskGrade;
  dueAt: Date;
}

export const ESCALATION_TITLE = '预警劝阻任务超时未联系';

export function overdueLine(t: OverdueLine): string {
  return `付款账户${maskAccount(t.payerAccount)}向涉案账户${maskAccount(t.payeeAccount)}转账${formatYuan(t.amountFen)}元（${t.bankName}报送，风险${RISK_LABEL[t.riskGrade]}），处置时限${chinaTime(t.dueAt)}已过，仍未联系付款人，请立即安排劝阻。`;
}

/** The body of one supervisor's escalation for the overdue tasks of one batch. */
export function escalationBody(tasks: readonly OverdueLine[]): string {
  return listed(
    `${tasks.length}个预警劝阻任务超过处置时限仍未联系付款人：`,
    tasks.map(overdueLine),
  );
}

export interface DraftSource {
  bankName: string;
  externalRef: string;
  payerAccount: string;
  payeeAccount: string;
  amountFen: number;
  occurredAt: Date;
  reason: string;
}

/**
 * The summary of a case drafted from a dissuasion closed as already_paid (已被骗). The payer is
 * the victim: no name here (victims and their PII are added to the case as victims), and the
 * payer's account masked.
 */
export function draftSummary(s: DraftSource): string {
  return (
    `预警劝阻转案件：${s.bankName}报送可疑交易（编号${s.externalRef}），付款账户${maskAccount(s.payerAccount)}` +
    `于${chinaTime(s.occurredAt)}向涉案账户${s.payeeAccount}转账${formatYuan(s.amountFen)}元，` +
    `劝阻时付款人已被骗转账。待补充受害人信息及转账明细。预警原因：${s.reason}`
  );
}
