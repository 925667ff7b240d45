import { Role } from '../../common/auth/roles.js';
import { parseFenTotalFromDb } from '../../common/money.js';

/**
 * The statistics figures, one table: key, Chinese label (CSV header, dashboard), what it means
 * (OpenAPI), its kind, and which roles see it. The rollup metrics each figure is read from are in
 * `assemble` below; the rollup rows themselves are written by triggers (migration StatsRollups).
 */
export type FigureKind = 'count' | 'fen' | 'share' | 'minutes';

/** Which kind of record a figure counts; a role sees a figure when it sees that kind. */
type Domain = 'cases' | 'orders' | 'victimMoney' | 'flags' | 'hits' | 'dissuasions' | 'alerts';

const POLICE: readonly Role[] = [Role.Admin, Role.Supervisor, Role.Officer];
const SEES: Record<Domain, readonly Role[]> = {
  cases: POLICE,
  orders: [...POLICE, Role.BankLiaison],
  victimMoney: POLICE,
  // A flag belongs to the bank that sent it, not to a police unit: banks (and admins) count flags,
  // the police count the hits on their cases.
  flags: [Role.Admin, Role.BankLiaison],
  hits: [...POLICE, Role.BankLiaison],
  dissuasions: POLICE,
  alerts: [...POLICE, Role.CommunityPolice],
};

export interface Figure {
  key: FigureKey;
  zh: string;
  description: string;
  kind: FigureKind;
  domain: Domain;
  /** The figure has no fraud type (null in by-fraud-type rows). */
  noFraudType?: boolean;
}

export const FIGURE_KEYS = [
  'cases',
  'casesReported',
  'casesRegistered',
  'casesInvestigating',
  'casesSolved',
  'casesClosed',
  'casesRejected',
  'casesSuspended',
  'lossFen',
  'solvedRate',
  'orders',
  'requestedFen',
  'stoppedFen',
  'frozenFen',
  'recoveredFen',
  'allocatedFen',
  'returnedFen',
  'flags',
  'flaggedFen',
  'hits',
  'dissuasions',
  'dissuasionsOpen',
  'dissuasionsStopped',
  'dissuasionsAlreadyPaid',
  'dissuasionsUnreachable',
  'dissuasionsNotFraud',
  'dissuasionsOnTime',
  'dissuasionsOnTimeShare',
  'warningsPublished',
  'deliveriesSent',
  'deliveriesAcknowledged',
  'deliveriesAcknowledgedShare',
  'goldenHourCases',
  'goldenHourMedianMinutes',
] as const;
export type FigureKey = (typeof FIGURE_KEYS)[number];
export type Figures = Record<FigureKey, number | null>;

const f = (
  key: FigureKey,
  zh: string,
  kind: FigureKind,
  domain: Domain,
  description: string,
  noFraudType = false,
): Figure => ({ key, zh, kind, domain, description, noFraudType });

export const FIGURES: readonly Figure[] = [
  f('cases', '案件数', 'count', 'cases', 'Cases reported in the range, whatever their status now'),
  f('casesReported', '报案', 'count', 'cases', 'Of those, now reported (not yet registered)'),
  f('casesRegistered', '立案', 'count', 'cases', 'Of those, now registered'),
  f('casesInvestigating', '侦查中', 'count', 'cases', 'Of those, now under investigation'),
  f('casesSolved', '破案', 'count', 'cases', 'Of those, now solved'),
  f('casesClosed', '结案', 'count', 'cases', 'Of those, now closed (solved, then closed)'),
  f('casesRejected', '不予立案', 'count', 'cases', 'Of those, not registered'),
  f('casesSuspended', '中止', 'count', 'cases', 'Of those, investigation suspended'),
  f('lossFen', '损失金额', 'fen', 'cases', 'Loss of those cases (Σ victims’ transfers), fen'),
  f(
    'solvedRate',
    '破案率',
    'share',
    'cases',
    'Solved or closed ÷ registered (every case past 报案 except 不予立案), 0..1, 4 decimals; null when none registered',
  ),
  f('orders', '止付冻结申请数', 'count', 'orders', 'Stop-payment and freeze orders requested'),
  f('requestedFen', '申请止付冻结金额', 'fen', 'orders', 'Amount those orders asked to hold, fen'),
  f(
    'stoppedFen',
    '止付金额',
    'fen',
    'orders',
    'Amount banks stopped on stop-payment orders (紧急止付), fen',
  ),
  f('frozenFen', '冻结金额', 'fen', 'orders', 'Amount banks froze on freeze orders, fen'),
  f(
    'recoveredFen',
    '追回金额',
    'fen',
    'orders',
    'Money recovered into custody (by the day recovered), fen',
  ),
  f(
    'allocatedFen',
    '分配金额',
    'fen',
    'victimMoney',
    'Money allocated to victims (by the day confirmed), fen',
  ),
  f(
    'returnedFen',
    '返还金额',
    'fen',
    'victimMoney',
    'Money returned to victims and signed for (by the day signed), fen',
  ),
  f('flags', '可疑交易数', 'count', 'flags', 'Suspicious-transfer flags received from banks', true),
  f('flaggedFen', '可疑交易金额', 'fen', 'flags', 'Amount of those flags, fen', true),
  f(
    'hits',
    '命中数',
    'count',
    'hits',
    'Flags whose payee is an account of a case (one per flag and case)',
  ),
  f(
    'dissuasions',
    '劝阻任务数',
    'count',
    'dissuasions',
    'Dissuasion tasks (预警劝阻) opened',
    true,
  ),
  f('dissuasionsOpen', '劝阻未结', 'count', 'dissuasions', 'Of those, still open', true),
  f('dissuasionsStopped', '劝阻成功', 'count', 'dissuasions', 'Of those, payer stopped', true),
  f(
    'dissuasionsAlreadyPaid',
    '已被骗',
    'count',
    'dissuasions',
    'Of those, payer had already paid',
    true,
  ),
  f(
    'dissuasionsUnreachable',
    '无法联系',
    'count',
    'dissuasions',
    'Of those, payer unreachable',
    true,
  ),
  f('dissuasionsNotFraud', '非诈骗', 'count', 'dissuasions', 'Of those, not fraud', true),
  f(
    'dissuasionsOnTime',
    '按时联系',
    'count',
    'dissuasions',
    'Of those, first contact by the due time (30 minutes)',
    true,
  ),
  f(
    'dissuasionsOnTimeShare',
    '按时联系率',
    'share',
    'dissuasions',
    'On time ÷ tasks opened, 0..1, 4 decimals; null when none',
    true,
  ),
  f(
    'warningsPublished',
    '发布预警数',
    'count',
    'alerts',
    'Warnings published (by the day published; a later withdrawal does not undo it)',
  ),
  f(
    'deliveriesSent',
    '预警推送数',
    'count',
    'alerts',
    'Warning deliveries sent to coordinators’ groups (by the coordinator’s community)',
  ),
  f('deliveriesAcknowledged', '推送已确认', 'count', 'alerts', 'Of those, acknowledged'),
  f(
    'deliveriesAcknowledgedShare',
    '确认率',
    'share',
    'alerts',
    'Acknowledged ÷ sent, 0..1, 4 decimals; null when none sent',
  ),
  f(
    'goldenHourCases',
    '黄金止付案件数',
    'count',
    'cases',
    'Cases reported in the range with at least one stop-payment or freeze order',
  ),
  f(
    'goldenHourMedianMinutes',
    '黄金止付时间中位数（分钟）',
    'minutes',
    'cases',
    'Golden hour (黄金止付时间): minutes from the case’s report (cases.reported_at) to its first stop-payment or freeze request ' +
      '(earliest freeze_orders.requested_at), lower median over those cases. Exact to the minute up to 3 hours, then to 15 minutes ' +
      'up to a day, then to the hour up to 30 days (the rollup keeps a histogram); null when no case had an order',
  ),
];

/** The summed rollup of one group: metric → (n, fen) as strings from PostgreSQL. */
export type MetricSums = Map<string, { n: string; fen: string }>;

const share = (num: number, den: number): number | null =>
  den === 0 ? null : Math.round((num / den) * 10_000) / 10_000;

/** The lower median of a histogram given as (bucket lower bound, count) pairs. */
export function histogramMedian(buckets: [number, number][]): number | null {
  const sorted = [...buckets].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  // percentile_disc(0.5): the element at 0-based index ceil(total / 2) - 1.
  let rank = Math.ceil(total / 2);
  for (const [bucket, n] of sorted) {
    if (rank <= n) return bucket;
    rank -= n;
  }
  return null;
}

/** The figures of one group, from its summed metrics, with what the role may not see as null. */
export function assemble(sums: MetricSums, role: Role, byFraudType = false): Figures {
  const n = (metric: string) => Number(sums.get(metric)?.n ?? 0);
  const fen = (metric: string) => parseFenTotalFromDb(sums.get(metric)?.fen ?? '0');
  const status = (s: string) => n(`case:${s}`);
  const statuses = [
    'reported',
    'registered',
    'investigating',
    'solved',
    'closed',
    'rejected',
    'suspended',
  ];
  const cases = statuses.reduce((s, st) => s + status(st), 0);
  const solved = status('solved') + status('closed');
  const registered = cases - status('reported') - status('rejected');
  const outcomes = ['open', 'stopped', 'already_paid', 'unreachable', 'not_fraud'];
  const dissuasions = outcomes.reduce((s, o) => s + n(`dissuasion:${o}`), 0);
  const golden: [number, number][] = [];
  for (const [metric, v] of sums) {
    if (metric.startsWith('golden:')) golden.push([Number(metric.slice(7)), Number(v.n)]);
  }
  const sent = n('delivery_sent');
  const values: Figures = {
    cases,
    casesReported: status('reported'),
    casesRegistered: status('registered'),
    casesInvestigating: status('investigating'),
    casesSolved: status('solved'),
    casesClosed: status('closed'),
    casesRejected: status('rejected'),
    casesSuspended: status('suspended'),
    lossFen: parseFenTotalFromDb(
      String(statuses.reduce((s, st) => s + BigInt(sums.get(`case:${st}`)?.fen ?? '0'), 0n)),
    ),
    solvedRate: share(solved, registered),
    orders: n('requested'),
    requestedFen: fen('requested'),
    stoppedFen: fen('stopped'),
    frozenFen: fen('frozen'),
    recoveredFen: fen('recovered'),
    allocatedFen: fen('allocated'),
    returnedFen: fen('returned'),
    flags: n('flag'),
    flaggedFen: fen('flag'),
    hits: n('hit'),
    dissuasions,
    dissuasionsOpen: n('dissuasion:open'),
    dissuasionsStopped: n('dissuasion:stopped'),
    dissuasionsAlreadyPaid: n('dissuasion:already_paid'),
    dissuasionsUnreachable: n('dissuasion:unreachable'),
    dissuasionsNotFraud: n('dissuasion:not_fraud'),
    dissuasionsOnTime: n('dissuasion_on_time'),
    dissuasionsOnTimeShare: share(n('dissuasion_on_time'), dissuasions),
    warningsPublished: n('warning_published'),
    deliveriesSent: sent,
    deliveriesAcknowledged: n('delivery_acknowledged'),
    deliveriesAcknowledgedShare: share(n('delivery_acknowledged'), sent),
    goldenHourCases: golden.reduce((s, [, c]) => s + c, 0),
    goldenHourMedianMinutes: histogramMedian(golden),
  };
  for (const fig of FIGURES) {
    if (!SEES[fig.domain].includes(role) || (byFraudType && fig.noFraudType))
      values[fig.key] = null;
  }
  return values;
}

/**
 * The rollup metrics a role may read, as a SQL condition on `s.metric` (null: all). Scope by unit
 * (or bank) is applied besides; this keeps, say, a liaison from reading the recoveries rows of
 * its bank's orders' allocations.
 */
export function metricFilter(role: Role): string[] | null {
  if (role === Role.BankLiaison)
    return ['flag', 'hit', 'requested', 'stopped', 'frozen', 'recovered'];
  if (role === Role.CommunityPolice)
    return ['warning_published', 'delivery_sent', 'delivery_acknowledged'];
  return null;
}
