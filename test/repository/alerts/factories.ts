// Rows of the alerts feature for repository tests, written as the superuser (`admin`) so a test can
// arrange any state (a claim already stale, a warning already withdrawn) without the service's path.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

export const FRAUD_TYPE = 'task_rebate';

let serial = 0;
const next = () => ++serial;

export interface WarningRow {
  unitId: string;
  targets?: string[];
  status?: 'draft' | 'approved' | 'scheduled' | 'published' | 'withdrawn';
  approvedBy?: string;
  authorId?: string | null;
  publishAt?: Date | null;
  publishedAt?: Date | null;
  fannedOutAt?: Date | null;
  createdAt?: Date;
  title?: string;
}

/** A warning with its targets; any status (approved_by is filled in whenever the status needs it). */
export async function makeWarning(admin: DataSource, w: WarningRow): Promise<string> {
  const status = w.status ?? 'draft';
  const needsApproval = status !== 'draft';
  const [row] = (await admin.query(
    `INSERT INTO warnings (title, body, fraud_type, severity, status, unit_id, author_id, approved_by,
       approved_at, publish_at, published_at, fanned_out_at, withdrawn_at, created_at)
     VALUES ($1, '正文', $2, 'moderate', $3, $4, $5, $6, CASE WHEN $6::uuid IS NULL THEN NULL ELSE now() END,
       $7, $8, $9, $10, coalesce($11, now())) RETURNING id`,
    [
      w.title ?? `预警 ${next()}`,
      FRAUD_TYPE,
      status,
      w.unitId,
      w.authorId ?? null,
      needsApproval ? (w.approvedBy ?? null) : null,
      w.publishAt ?? null,
      w.publishedAt ?? (status === 'published' || status === 'withdrawn' ? new Date() : null),
      w.fannedOutAt ?? null,
      status === 'withdrawn' ? new Date() : null,
      w.createdAt ?? null,
    ],
  )) as { id: string }[];
  for (const t of w.targets ?? [])
    await admin.query('INSERT INTO warning_targets (warning_id, unit_id) VALUES ($1, $2)', [
      row.id,
      t,
    ]);
  return row.id;
}

export interface CoordinatorRow {
  communityId: string;
  channel?: 'wecom_bot' | 'webhook' | 'manual';
  /** For wecom_bot: the robot (shared by the coordinators given the same one). */
  robot?: string;
  enabled?: boolean;
  brokenAt?: Date | null;
  groupName?: string;
}

export async function makeCoordinator(admin: DataSource, c: CoordinatorRow): Promise<string> {
  const channel = c.channel ?? 'wecom_bot';
  const n = next();
  const [row] = (await admin.query(
    `INSERT INTO coordinators (name, phone, community_id, group_name, channel, webhook_url_enc,
       webhook_url_masked, robot_key_hash, webhook_secret_enc, enabled, channel_broken_at)
     VALUES ($1, '13800138000', $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [
      `协调员${n}`,
      c.communityId,
      c.groupName ?? `群${n}-${randomUUID().slice(0, 8)}`,
      channel,
      channel === 'manual' ? null : 'enc',
      channel === 'manual' ? null : 'https://…',
      channel === 'wecom_bot' ? (c.robot ?? `robot-${n}`) : null,
      channel === 'webhook' ? 'secret-enc' : null,
      c.enabled ?? true,
      c.brokenAt ?? null,
    ],
  )) as { id: string }[];
  return row.id;
}

export interface DeliveryRow {
  warningId: string;
  coordinatorId: string;
  kind?: 'warning' | 'withdrawal';
  channel?: 'wecom_bot' | 'webhook' | 'manual';
  status?: 'queued' | 'sending' | 'sent' | 'failed' | 'acknowledged' | 'cancelled';
  attempts?: number;
  /** Milliseconds ago the row was claimed (status 'sending'). */
  claimedAgoMs?: number;
  /** Milliseconds from now of next_attempt_at (negative: overdue). */
  nextAttemptInMs?: number;
}

export async function makeDelivery(admin: DataSource, d: DeliveryRow): Promise<string> {
  const status = d.status ?? 'queued';
  const [row] = (await admin.query(
    `INSERT INTO deliveries (warning_id, coordinator_id, kind, channel, status, attempts, claimed_at,
       next_attempt_at, sent_at, acknowledged_at)
     VALUES ($1, $2, $3, coalesce($4, (SELECT channel FROM coordinators WHERE id = $2)), $5, $6,
       CASE WHEN $7::float8 IS NULL THEN NULL ELSE now() - make_interval(secs => $7 / 1000) END,
       CASE WHEN $5 IN ('queued','sending') THEN now() + make_interval(secs => $8 / 1000) END,
       CASE WHEN $5 IN ('sent','acknowledged') THEN now() END,
       CASE WHEN $5 = 'acknowledged' THEN now() END)
     RETURNING id`,
    [
      d.warningId,
      d.coordinatorId,
      d.kind ?? 'warning',
      d.channel ?? null,
      status,
      d.attempts ?? 0,
      d.claimedAgoMs ?? (status === 'sending' ? 0 : null),
      d.nextAttemptInMs ?? 0,
    ],
  )) as { id: string }[];
  return row.id;
}

/** One delivery row's state, as the tests read it. */
export async function deliveryState(
  admin: DataSource,
  id: string,
): Promise<{
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date | null;
  claimed_at: Date | null;
  sent_at: Date | null;
}> {
  const [row] = (await admin.query(
    'SELECT status, attempts, last_error, next_attempt_at, claimed_at, sent_at FROM deliveries WHERE id = $1',
    [id],
  )) as {
    status: string;
    attempts: number;
    last_error: string | null;
    next_attempt_at: Date | null;
    claimed_at: Date | null;
    sent_at: Date | null;
  }[];
  return row;
}

/** A robot's send log, `agoMs` milliseconds back for each send. */
export async function fillRobotLog(
  admin: DataSource,
  robot: string,
  agoMs: number[],
): Promise<void> {
  await admin.query(
    `INSERT INTO robot_send_log (robot_key_hash, sends)
     VALUES ($1, ARRAY(SELECT now() - make_interval(secs => a / 1000) FROM unnest($2::float8[]) a ORDER BY 1))
     ON CONFLICT (robot_key_hash) DO UPDATE SET sends = EXCLUDED.sends`,
    [robot, agoMs],
  );
}

export async function robotSends(admin: DataSource, robot: string): Promise<number> {
  const rows = (await admin.query(
    'SELECT cardinality(sends) AS n FROM robot_send_log WHERE robot_key_hash = $1',
    [robot],
  )) as { n: number }[];
  return rows[0]?.n ?? 0;
}

/** A case reported `daysAgo` days before `now` in a unit (for the trend scan's counts). */
export async function makeCase(
  admin: DataSource,
  unitId: string,
  now: Date,
  daysAgo: number,
  fraudType = FRAUD_TYPE,
): Promise<void> {
  await admin.query(
    `INSERT INTO cases (case_no, fraud_type, summary, reported_at, unit_id)
     VALUES ($1, $2, '案情', $3::timestamptz - make_interval(secs => $4::float8 * 86400), $5)`,
    [`T${Date.now()}-${next()}`, fraudType, now, daysAgo, unitId],
  );
}
