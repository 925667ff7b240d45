import type { DataSource } from 'typeorm';

/**
 * The statistics figures counted straight from the source rows (no rollup), for one caller's
 * scope: what GET /stats/* must answer. Written independently of the rollup triggers and of
 * src/reports/stats/figures.ts, so a test comparing the two can fail.
 */
export interface Who {
  role: string;
  /** The caller's scope: its unit's subtree (the bank's, for a liaison); null for an admin. */
  scopePath: string | null;
}

export interface Filter {
  fraudType?: string;
  /** Only rows of this subtree (by-unit child rows) … */
  subtreePath?: string;
  /** … or of exactly this unit (the parent's own row). */
  unitId?: string;
}

export type Figures = Record<string, number | null>;

const POLICE = ['admin', 'supervisor', 'officer'];

/** Which figures a role sees (the rest are null). */
function visible(role: string, key: string): boolean {
  if (role === 'community_police')
    return [
      'warningsPublished',
      'deliveriesSent',
      'deliveriesAcknowledged',
      'deliveriesAcknowledgedShare',
    ].includes(key);
  if (role === 'bank_liaison')
    return [
      'orders',
      'requestedFen',
      'stoppedFen',
      'frozenFen',
      'recoveredFen',
      'flags',
      'flaggedFen',
      'hits',
    ].includes(key);
  if (key === 'flags' || key === 'flaggedFen') return role === 'admin';
  return POLICE.includes(role);
}

/** The golden-hour bucket (lower bound in minutes) the API documents. */
export function bucket(m: number): number {
  if (m < 0) return 0;
  if (m < 180) return m;
  if (m < 1440) return 180 + Math.floor((m - 180) / 15) * 15;
  if (m < 43200) return Math.floor(m / 60) * 60;
  return 43200;
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10000) / 10000);

export async function directFigures(
  db: DataSource,
  who: Who,
  from: string,
  to: string,
  filter: Filter = {},
): Promise<Figures> {
  const params: unknown[] = [from, to];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const day = (col: string) =>
    `((${col}) AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $1::date AND $2::date`;
  // The unit (or bank) column's conditions: the caller's scope and the filter.
  const unit = (col: string) => {
    const parts: string[] = [];
    if (who.scopePath !== null)
      parts.push(`${col} IN (SELECT id FROM units WHERE path LIKE ${p(who.scopePath + '%')})`);
    if (filter.subtreePath)
      parts.push(`${col} IN (SELECT id FROM units WHERE path LIKE ${p(filter.subtreePath + '%')})`);
    if (filter.unitId) parts.push(`${col} = ${p(filter.unitId)}`);
    return parts.length ? parts.join(' AND ') : 'TRUE';
  };
  const ft = (col: string) => (filter.fraudType ? `${col} = ${p(filter.fraudType)}` : 'TRUE');
  const bankSide = who.role === 'bank_liaison';
  const one = async (sql: string): Promise<Record<string, string | number | null>> => {
    const rows = (await db.query(sql, params)) as Record<string, string | number | null>[];
    params.length = 2;
    return rows[0];
  };
  const num = (v: string | number | null | undefined) => Number(v ?? 0);

  const cases = await one(
    `SELECT count(*) AS cases,
       count(*) FILTER (WHERE status = 'reported') AS reported, count(*) FILTER (WHERE status = 'registered') AS registered,
       count(*) FILTER (WHERE status = 'investigating') AS investigating, count(*) FILTER (WHERE status = 'solved') AS solved,
       count(*) FILTER (WHERE status = 'closed') AS closed, count(*) FILTER (WHERE status = 'rejected') AS rejected,
       count(*) FILTER (WHERE status = 'suspended') AS suspended, coalesce(sum(loss_fen), 0) AS loss
     FROM cases c WHERE ${day('c.reported_at')} AND ${unit('c.unit_id')} AND ${ft('c.fraud_type')}`,
  );
  const golden = (await db.query(
    `SELECT floor(extract(epoch FROM min(o.requested_at) - c.reported_at) / 60)::int AS m
     FROM cases c JOIN freeze_orders o ON o.case_id = c.id
     WHERE ${day('c.reported_at')} AND ${unit('c.unit_id')} AND ${ft('c.fraud_type')}
     GROUP BY c.id, c.reported_at ORDER BY m`,
    params,
  )) as { m: number }[];
  params.length = 2;
  const orders = await one(
    `SELECT count(*) AS n, coalesce(sum(o.requested_fen), 0) AS requested,
       coalesce(sum(o.frozen_fen) FILTER (WHERE o.kind = 'stop_payment'), 0) AS stopped,
       coalesce(sum(o.frozen_fen) FILTER (WHERE o.kind = 'freeze'), 0) AS frozen
     FROM freeze_orders o JOIN cases c ON c.id = o.case_id
     WHERE ${day('o.requested_at')} AND ${unit(bankSide ? 'o.bank_unit_id' : 'o.unit_id')} AND ${ft('c.fraud_type')}`,
  );
  const recovered = await one(
    `SELECT coalesce(sum(r.amount_fen), 0) AS fen FROM recoveries r JOIN cases c ON c.id = r.case_id
       JOIN freeze_orders o ON o.id = r.order_id
     WHERE r.recovered_on BETWEEN $1::date AND $2::date AND ${unit(bankSide ? 'o.bank_unit_id' : 'r.unit_id')} AND ${ft('c.fraud_type')}`,
  );
  const allocated = await one(
    `SELECT coalesce(sum(a.amount_fen), 0) AS fen FROM allocations a JOIN cases c ON c.id = a.case_id
     WHERE ${day('a.confirmed_at')} AND ${unit('a.unit_id')} AND ${ft('c.fraud_type')}`,
  );
  const returned = await one(
    `SELECT coalesce(sum(a.amount_fen), 0) AS fen FROM allocations a JOIN cases c ON c.id = a.case_id
     WHERE a.signed_at IS NOT NULL AND ${day('a.signed_at')} AND ${unit('a.unit_id')} AND ${ft('c.fraud_type')}`,
  );
  // A flag has a bank but no police unit and no fraud type.
  const flagsApply = !filter.fraudType && (bankSide || (!filter.subtreePath && !filter.unitId));
  const flags = flagsApply
    ? await one(
        `SELECT count(*) AS n, coalesce(sum(f.amount_fen), 0) AS fen FROM transfer_flags f
         WHERE ${day('f.created_at')} AND ${unit('f.bank_unit_id')}`,
      )
    : { n: 0, fen: 0 };
  const hits = await one(
    `SELECT count(*) AS n FROM transfer_hits h JOIN cases c ON c.id = h.case_id JOIN transfer_flags f ON f.id = h.flag_id
     WHERE ${day('h.created_at')} AND ${unit(bankSide ? 'f.bank_unit_id' : 'c.unit_id')} AND ${ft('c.fraud_type')}`,
  );
  const dis = filter.fraudType
    ? {}
    : await one(
        `SELECT count(*) AS n, count(*) FILTER (WHERE outcome IS NULL) AS open,
           count(*) FILTER (WHERE outcome = 'stopped') AS stopped, count(*) FILTER (WHERE outcome = 'already_paid') AS paid,
           count(*) FILTER (WHERE outcome = 'unreachable') AS unreachable, count(*) FILTER (WHERE outcome = 'not_fraud') AS not_fraud,
           count(*) FILTER (WHERE first_contact_at <= due_at) AS on_time
         FROM dissuasions d WHERE ${day('d.created_at')} AND ${unit('d.unit_id')}`,
      );
  const warnings = await one(
    `SELECT count(*) AS n FROM warnings w
     WHERE w.published_at IS NOT NULL AND ${day('w.published_at')} AND ${unit('w.unit_id')} AND ${ft('w.fraud_type')}`,
  );
  const deliveries = await one(
    `SELECT count(*) AS sent, count(*) FILTER (WHERE d.acknowledged_at IS NOT NULL) AS ack
     FROM deliveries d JOIN coordinators co ON co.id = d.coordinator_id JOIN warnings w ON w.id = d.warning_id
     WHERE d.kind = 'warning' AND d.sent_at IS NOT NULL AND ${day('d.sent_at')} AND ${unit('co.community_id')}
       AND ${ft('w.fraud_type')}`,
  );

  const registered = num(cases.cases) - num(cases.reported) - num(cases.rejected);
  const minutes = golden.map((g) => bucket(g.m));
  const out: Figures = {
    cases: num(cases.cases),
    casesReported: num(cases.reported),
    casesRegistered: num(cases.registered),
    casesInvestigating: num(cases.investigating),
    casesSolved: num(cases.solved),
    casesClosed: num(cases.closed),
    casesRejected: num(cases.rejected),
    casesSuspended: num(cases.suspended),
    lossFen: num(cases.loss),
    solvedRate: ratio(num(cases.solved) + num(cases.closed), registered),
    orders: num(orders.n),
    requestedFen: num(orders.requested),
    stoppedFen: num(orders.stopped),
    frozenFen: num(orders.frozen),
    recoveredFen: num(recovered.fen),
    allocatedFen: num(allocated.fen),
    returnedFen: num(returned.fen),
    flags: num(flags.n),
    flaggedFen: num(flags.fen),
    hits: num(hits.n),
    dissuasions: num(dis.n),
    dissuasionsOpen: num(dis.open),
    dissuasionsStopped: num(dis.stopped),
    dissuasionsAlreadyPaid: num(dis.paid),
    dissuasionsUnreachable: num(dis.unreachable),
    dissuasionsNotFraud: num(dis.not_fraud),
    dissuasionsOnTime: num(dis.on_time),
    dissuasionsOnTimeShare: ratio(num(dis.on_time), num(dis.n)),
    warningsPublished: num(warnings.n),
    deliveriesSent: num(deliveries.sent),
    deliveriesAcknowledged: num(deliveries.ack),
    deliveriesAcknowledgedShare: ratio(num(deliveries.ack), num(deliveries.sent)),
    goldenHourCases: minutes.length,
    // The lower median (percentile_disc 0.5), of the exact minutes, then bucketed.
    goldenHourMedianMinutes: minutes.length ? minutes[Math.ceil(minutes.length / 2) - 1] : null,
  };
  const noFraudType = [
    'flags',
    'flaggedFen',
    'dissuasions',
    'dissuasionsOpen',
    'dissuasionsStopped',
    'dissuasionsAlreadyPaid',
    'dissuasionsUnreachable',
    'dissuasionsNotFraud',
    'dissuasionsOnTime',
    'dissuasionsOnTimeShare',
  ];
  for (const key of Object.keys(out)) {
    if (!visible(who.role, key) || (filter.fraudType && noFraudType.includes(key))) out[key] = null;
  }
  return out;
}

/** The scope of a demo user as the API computes it: the unit's subtree; a liaison's bank's. */
export async function whoIs(db: DataSource, username: string): Promise<Who> {
  const [u] = (await db.query(
    `SELECT u.role, un.path,
       (SELECT b.path FROM units b WHERE b.kind = 'bank' AND un.path LIKE b.path || '%' LIMIT 1) AS bank_path
     FROM users u JOIN units un ON un.id = u.unit_id WHERE u.username = $1`,
    [username],
  )) as { role: string; path: string; bank_path: string | null }[];
  if (u.role === 'admin') return { role: u.role, scopePath: null };
  return { role: u.role, scopePath: u.role === 'bank_liaison' ? (u.bank_path ?? u.path) : u.path };
}
