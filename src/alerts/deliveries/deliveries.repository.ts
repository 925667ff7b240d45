import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returned } from '../../common/database/returned.js';
import type { WarningStatus } from '../warnings/warning-status.js';
import { BatchedCall } from './batched-call.js';
import type { Channel } from './channels.js';
import { Delivery, DeliveryStatus } from './entities/delivery.entity.js';
import { IDENTITY_VIEWS } from '../../identity/index.js';

/** A delivery with what sending it needs: its coordinator's channel and its warning. */
export interface DeliveryWork {
  id: string;
  kind: 'warning' | 'withdrawal';
  status: DeliveryStatus;
  channel: Channel;
  attempts: number;
  claimed_at: Date | null;
  next_attempt_at: Date;
  stale: boolean;
  due: boolean;
  warning_id: string;
  warning_status: WarningStatus;
  coordinator_id: string;
  enabled: boolean;
  channel_broken_at: Date | null;
  webhook_url_enc: string | null;
  webhook_secret_enc: string | null;
  robot_key_hash: string | null;
}

interface ClaimRequest {
  id: string;
  staleMs: number;
  robot: { max: number; windowMs: number };
}

/** The read of `claimWork`, with the outcome of its reservation and claim. */
export interface ClaimedWork extends DeliveryWork {
  /** The claim time when this call claimed the row (queued → sending); null when it did not. */
  claimed_now: Date | null;
  /** Whether a send was reserved in the robot's log (WeCom robots only). */
  reserved: boolean;
}

export interface DeliveryListRow {
  id: string;
  kind: 'warning' | 'withdrawal';
  coordinator_id: string;
  name: string;
  group_name: string;
  community_id: string;
  channel: Channel;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  sent_at: Date | null;
  acknowledged_at: Date | null;
}

/**
 * The fan-out, as the WITH list of one statement (`DeliveriesService.fanOut`, through
 * `OutboxService.addComputed`; $1 the warning, $2 the rows per job): one delivery per enabled
 * coordinator of every community under the warning's targets, and the `alerts-deliver` payloads of
 * the rows a channel sends, $2 ids each, computed in the database: a fan-out to 100,000
 * coordinators carries no row through the process. A replay inserts nothing (UNIQUE (warning_id,
 * coordinator_id, kind)) and so enqueues nothing. `summary.created`: the rows inserted.
 */
export const FAN_OUT_SQL = `tp AS (
     SELECT u.path FROM warning_targets t JOIN ${IDENTITY_VIEWS.units} u ON u.id = t.unit_id WHERE t.warning_id = $1
   ), communities AS (
     SELECT DISTINCT c.id FROM ${IDENTITY_VIEWS.units} c JOIN tp ON c.path LIKE tp.path || '%' WHERE c.kind = 'community'
   ), ins AS (
     INSERT INTO deliveries (warning_id, coordinator_id, kind, channel)
     SELECT $1, co.id, 'warning', co.channel FROM coordinators co
     JOIN communities cm ON cm.id = co.community_id
     WHERE co.enabled
     ON CONFLICT (warning_id, coordinator_id, kind) DO NOTHING
     RETURNING id, channel
   ), numbered AS (
     SELECT id, (row_number() OVER () - 1) / $2::int AS chunk FROM ins WHERE channel <> 'manual'
   ), payloads AS (
     SELECT jsonb_build_object('deliveryIds', jsonb_agg(id ORDER BY id)) AS payload
     FROM numbered GROUP BY chunk
   ), summary AS (
     SELECT count(*)::int AS created FROM ins
   )`;

/**
 * The delivery claim (`claimRows`; $1 the ids, $2 the stale claim's age in s, $3 the robot's
 * budget, $4 its window in s). A constant for the plan check, like FAN_OUT_SQL.
 */
export const CLAIM_ROWS_SQL = `WITH cur AS (
     SELECT d.id, d.kind, d.status, d.channel, d.attempts, d.claimed_at, d.next_attempt_at,
            d.claimed_at < clock_timestamp() - make_interval(secs => $2) AS stale,
            d.next_attempt_at <= clock_timestamp() AS due,
            w.id AS warning_id, w.status AS warning_status,
            co.id AS coordinator_id, co.enabled, co.channel_broken_at, co.webhook_url_enc,
            co.webhook_secret_enc, co.robot_key_hash
     FROM deliveries d JOIN warnings w ON w.id = d.warning_id
     JOIN coordinators co ON co.id = d.coordinator_id
     WHERE d.id = ANY($1::uuid[]) AND d.status IN ('queued','sending')
     ORDER BY d.id FOR UPDATE OF d
   ), ready AS (
     SELECT id, channel = 'wecom_bot' AND robot_key_hash IS NOT NULL AS budgeted, robot_key_hash,
            row_number() OVER (PARTITION BY robot_key_hash ORDER BY id) AS nth
     FROM cur
     WHERE channel <> 'manual' AND (status = 'queued' OR (status = 'sending' AND stale))
       AND (kind = 'withdrawal' OR warning_status = 'published')
       AND enabled AND channel_broken_at IS NULL
   ), budget AS (
     INSERT INTO robot_send_log AS r (robot_key_hash, sends)
     SELECT robot_key_hash, ARRAY[clock_timestamp()] FROM ready WHERE budgeted AND nth = 1
     ORDER BY robot_key_hash
     ON CONFLICT (robot_key_hash) DO UPDATE
       SET sends = ARRAY(SELECT s FROM unnest(r.sends) s
                         WHERE s > clock_timestamp() - make_interval(secs => $4) ORDER BY s)
                   || clock_timestamp()
       WHERE (SELECT count(*) FROM unnest(r.sends) s
              WHERE s > clock_timestamp() - make_interval(secs => $4)) < $3
     RETURNING r.robot_key_hash
   ), go AS (
     SELECT ready.id FROM ready
     WHERE NOT budgeted OR (nth = 1 AND robot_key_hash IN (SELECT robot_key_hash FROM budget))
   ), claimed AS (
     UPDATE deliveries d
     SET status = 'sending', claimed_at = clock_timestamp(), attempts = d.attempts + 1
     FROM go
     WHERE d.id = go.id
       AND (d.status = 'queued'
         OR (d.status = 'sending' AND d.claimed_at < clock_timestamp() - make_interval(secs => $2)))
     RETURNING d.id, d.claimed_at
   )
   SELECT cur.*, claimed.claimed_at AS claimed_now,
          coalesce(ready.budgeted AND ready.id IN (SELECT id FROM go), false) AS reserved,
          coalesce(ready.budgeted AND ready.nth > 1, false) AS crowded
   FROM cur LEFT JOIN ready ON ready.id = cur.id LEFT JOIN claimed ON claimed.id = cur.id`;

/**
 * Deliveries: the fan-out, the claim and the marks of a send, the manual channel's pickup, and the
 * robots' send budgets (`robot_send_log`), which only the claim writes.
 */
@Injectable()
export class DeliveriesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Withdrawal notices for the coordinators the warning already reached (sent or acknowledged). */
  async insertWithdrawals(
    em: EntityManager,
    warningId: string,
    onlyDeliveryId?: string,
  ): Promise<{ id: string; channel: Channel }[]> {
    return em.query(
      `INSERT INTO deliveries (warning_id, coordinator_id, kind, channel)
       SELECT d.warning_id, d.coordinator_id, 'withdrawal', co.channel FROM deliveries d
       JOIN coordinators co ON co.id = d.coordinator_id
       WHERE d.warning_id = $1 AND d.kind = 'warning' AND d.status IN ('sent','acknowledged')
         AND ($2::uuid IS NULL OR d.id = $2) AND co.enabled
       ON CONFLICT (warning_id, coordinator_id, kind) DO NOTHING
       RETURNING id, channel`,
      [warningId, onlyDeliveryId ?? null],
    );
  }

  /** Stops what has not gone out yet. A row being sent right now finishes; its notice follows. */
  async cancelUnsent(em: EntityManager, warningId: string): Promise<number> {
    // Locks in id order, like every statement that locks several deliveries (see claimRows).
    const rows = returned<unknown>(
      await em.query(
        `WITH q AS (
           SELECT id FROM deliveries
           WHERE warning_id = $1 AND kind = 'warning' AND status = 'queued' ORDER BY id FOR UPDATE
         )
         UPDATE deliveries d SET status = 'cancelled', last_error = 'warning withdrawn',
           next_attempt_at = NULL
         FROM q WHERE d.id = q.id AND d.status = 'queued' RETURNING d.id`,
        [warningId],
      ),
    );
    return rows.length;
  }

  /**
   * Reads a delivery with what sending it needs and, when it may be sent now, reserves its robot's
   * budget and claims it, all in one statement (`claimRows`). Calls made while one runs share the
   * next statement (`BatchedCall`): under load one round trip and one commit claim many rows, each
   * decided on its own. A row that shares its robot with an earlier row of the same batch, or that
   * appears twice in it, is claimed in a statement of its own after the batch.
   *
   * `claimed_now` is the claim time when this call claimed the row, else null; then the read
   * (`status`, `warning_status`, …) and `reserved` tell why. Undefined: no such row, or one that is
   * neither queued nor being sent.
   */
  async claimWork(
    id: string,
    staleMs: number,
    robot: { max: number; windowMs: number },
  ): Promise<ClaimedWork | undefined> {
    const row = await this.claims.call({ id, staleMs, robot });
    if (row !== 'alone') return row;
    return (await this.claimRows([id], staleMs, robot))[0];
  }

  /** Batches of `claimRows`; 'alone': a row to claim in a statement of its own, after the batch. */
  private readonly claims = new BatchedCall<ClaimRequest, ClaimedWork | undefined | 'alone'>(
    async (items) => {
      const { staleMs, robot } = items[0];
      const firstAt = new Map<string, number>();
      items.forEach((item, i) => firstAt.set(item.id, firstAt.get(item.id) ?? i));
      const rows = await this.claimRows([...firstAt.keys()], staleMs, robot);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return items.map((item, i) => {
        const row = byId.get(item.id);
        return firstAt.get(item.id) === i && !row?.crowded ? row : 'alone';
      });
    },
  );

  /**
   * `claimRows` for a slice of a chunk's job (DeliverySender.deliverMany). The slices of concurrent
   * jobs share the next statement (`BatchedCall`), so a process claims with one statement at a time
   * and one pooled connection, whatever the number of jobs: the marks after the sends are not left
   * waiting for a connection behind the claims (a mark later than `staleMs` would let the row be
   * claimed and sent again). An id two slices of one batch ask for goes to the first; the other gets
   * it back `crowded`, to look at again in its next slice.
   */
  claimSlice(ids: string[], staleMs: number, robot: { max: number; windowMs: number }) {
    return this.sliceClaims.call({ ids, staleMs, robot });
  }

  private readonly sliceClaims = new BatchedCall<
    { ids: string[]; staleMs: number; robot: { max: number; windowMs: number } },
    (ClaimedWork & { crowded: boolean })[]
  >(async (items) => {
    const owner = new Map<string, number>();
    items.forEach((item, i) => {
      for (const id of item.ids) if (!owner.has(id)) owner.set(id, i);
    });
    const { staleMs, robot } = items[0];
    const rows = await this.claimRows([...owner.keys()], staleMs, robot);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return items.map((item, i) =>
      item.ids.flatMap((id) => {
        const row = byId.get(id);
        if (!row) return [];
        return owner.get(id) === i ? [row] : [{ ...row, claimed_now: null, crowded: true }];
      }),
    );
  }, 16);

  /**
   * The statement behind `claimWork`, for one or many rows:
   *
   * - `cur`: the rows, locked in id order (every statement that locks several deliveries does so
   *   in id order, so two of them never wait on each other), if queued or being sent;
   * - `ready`: those the read says may go (queued, or 'sending' abandoned for longer than
   *   `staleMs`; a channel that sends; the warning still published for a warning; the coordinator
   *   enabled and its channel not flagged broken);
   * - `budget`: one send reserved in each robot's sliding log (WeCom robots only, the first row of
   *   each robot in the batch): an upsert that appends to the log only while fewer than `robot.max`
   *   sends are in the last `robot.windowMs`; its row lock is held to the end of the statement's
   *   implicit transaction, so every worker of every process shares the log;
   * - `claimed`: the claim that makes a send happen once, queued → sending (or the stale takeover),
   *   taken only with the budget reserved.
   *
   * A reservation whose claim does not happen is not given back (the robot is sent a little less,
   * never more). `crowded`: a later row of a robot already in the batch, neither reserved nor claimed.
   */
  async claimRows(
    ids: string[],
    staleMs: number,
    robot: { max: number; windowMs: number },
  ): Promise<(ClaimedWork & { crowded: boolean })[]> {
    return this.ds.query(CLAIM_ROWS_SQL, [ids, staleMs / 1000, robot.max, robot.windowMs / 1000]);
  }

  /**
   * Marks claimed deliveries sent in one statement, taking first, inside it, the share lock on
   * their warnings that the withdraw's update lock conflicts with: a withdraw running now either
   * committed before (the lock then reads 'withdrawn', the row is not marked and false is returned,
   * so the caller marks it sent and adds the withdrawal notice in a transaction) or waits for this
   * statement (and then sees the row sent). A withdrawal notice needs no lock. Calls made while one
   * runs share the next statement (`BatchedCall`), each row checked on its own.
   */
  markSentIfPublished(id: string, warningId: string): Promise<boolean> {
    return this.sentMarks.call({ id, warningId });
  }

  private readonly sentMarks = new BatchedCall<{ id: string; warningId: string }, boolean>(
    async (items) => {
      // The aggregate over `published` must be complete before the join yields a row to update,
      // so the warnings are locked before any delivery row.
      const rows = returned<{ id: string }>(
        await this.ds.query(
          `WITH published AS (
             SELECT id FROM warnings WHERE id = ANY($2::uuid[]) AND status = 'published'
             ORDER BY id FOR SHARE
           )
           UPDATE deliveries d SET status = 'sent', sent_at = clock_timestamp(), last_error = NULL,
             next_attempt_at = NULL
           FROM (SELECT coalesce(array_agg(id), '{}') AS ids FROM published) p
           WHERE d.id = ANY($1::uuid[]) AND d.status = 'sending'
             AND (d.kind = 'withdrawal' OR d.warning_id = ANY(p.ids))
           RETURNING d.id`,
          [items.map((i) => i.id), [...new Set(items.map((i) => i.warningId))]],
        ),
      );
      const marked = new Set(rows.map((r) => r.id));
      return items.map((i) => marked.has(i.id));
    },
  );

  async markSent(em: EntityManager, id: string): Promise<boolean> {
    const rows = returned<unknown>(
      await em.query(
        `UPDATE deliveries SET status = 'sent', sent_at = clock_timestamp(), last_error = NULL,
         next_attempt_at = NULL
       WHERE id = $1 AND status = 'sending' RETURNING id`,
        [id],
      ),
    );
    return rows.length > 0;
  }

  /** Back to queued for a later try; `countAttempt` false gives the attempt back (a 45009). */
  async requeue(id: string, error: string, delayMs: number, countAttempt: boolean): Promise<void> {
    await this.ds.query(
      `UPDATE deliveries SET status = 'queued', last_error = $2,
         attempts = CASE WHEN $4 THEN attempts ELSE greatest(attempts - 1, 0) END,
         next_attempt_at = clock_timestamp() + make_interval(secs => $3)
       WHERE id = $1 AND status = 'sending'`,
      [id, error.slice(0, 1000), delayMs / 1000, countAttempt],
    );
  }

  async postpone(id: string, untilDelayMs: number): Promise<void> {
    await this.ds.query(
      `UPDATE deliveries SET next_attempt_at = clock_timestamp() + make_interval(secs => $2)
       WHERE id = $1 AND status = 'queued'`,
      [id, untilDelayMs / 1000],
    );
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.ds.query(
      `UPDATE deliveries SET status = 'failed', last_error = $2, next_attempt_at = NULL
       WHERE id = $1 AND status IN ('queued','sending')`,
      [id, error.slice(0, 1000)],
    );
  }

  async cancel(id: string, reason: string): Promise<void> {
    await this.ds.query(
      `UPDATE deliveries SET status = 'cancelled', last_error = $2, next_attempt_at = NULL
       WHERE id = $1 AND status = 'queued'`,
      [id, reason],
    );
  }

  /** Queued rows whose job is long overdue (lost with a queue store that kept nothing), and abandoned claims. */
  async overdueDeliveries(em: EntityManager, graceMs: number, staleMs: number): Promise<string[]> {
    const rows = returned<{ id: string }>(
      await em.query(
        `WITH due AS (
         SELECT id FROM deliveries
         WHERE next_attempt_at IS NOT NULL AND channel <> 'manual'
           AND next_attempt_at < clock_timestamp() - make_interval(secs => $1)
           AND (status = 'queued' OR claimed_at < clock_timestamp() - make_interval(secs => $2))
         ORDER BY next_attempt_at LIMIT 2000 FOR UPDATE SKIP LOCKED
       )
       UPDATE deliveries d SET next_attempt_at = clock_timestamp() FROM due WHERE d.id = due.id
       RETURNING d.id`,
        [graceMs / 1000, staleMs / 1000],
      ),
    );
    return rows.map((r) => r.id);
  }

  async deliveriesOf(warningId: string): Promise<DeliveryListRow[]> {
    return this.ds.query(
      `SELECT d.id, d.kind, d.coordinator_id, co.name, co.group_name, co.community_id, d.channel,
              d.status, d.attempts, d.last_error, d.sent_at, d.acknowledged_at
       FROM deliveries d JOIN coordinators co ON co.id = d.coordinator_id
       WHERE d.warning_id = $1 ORDER BY d.kind, co.group_name, d.id`,
      [warningId],
    );
  }

  /** The delivery with the unit of its coordinator's community, for scope checks. */
  async deliveryWithCommunity(
    id: string,
    em: EntityManager = this.ds.manager,
  ): Promise<(Delivery & { communityPath: string }) | undefined> {
    const rows: (Record<string, unknown> & { community_path: string })[] = await em.query(
      `SELECT d.*, u.path AS community_path FROM deliveries d
       JOIN coordinators co ON co.id = d.coordinator_id JOIN ${IDENTITY_VIEWS.units} u ON u.id = co.community_id
       WHERE d.id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: r.id as string,
      warningId: r.warning_id as string,
      coordinatorId: r.coordinator_id as string,
      kind: r.kind as 'warning' | 'withdrawal',
      channel: r.channel as Channel,
      status: r.status as DeliveryStatus,
      attempts: r.attempts as number,
      lastError: r.last_error as string | null,
      nextAttemptAt: r.next_attempt_at as Date | null,
      claimedAt: r.claimed_at as Date | null,
      sentAt: r.sent_at as Date | null,
      acknowledgedAt: r.acknowledged_at as Date | null,
      createdAt: r.created_at as Date,
      communityPath: r.community_path,
    };
  }

  async acknowledge(
    em: EntityManager,
    id: string,
    at: Date,
    by: string | null,
  ): Promise<Date | null> {
    const rows = returned<{ acknowledged_at: Date }>(
      await em.query(
        `UPDATE deliveries SET status = 'acknowledged', acknowledged_at = coalesce(acknowledged_at, $2),
         acknowledged_by = coalesce(acknowledged_by, $3)
       WHERE id = $1 AND status IN ('sent','acknowledged') RETURNING acknowledged_at`,
        [id, at, by],
      ),
    );
    return rows[0]?.acknowledged_at ?? null;
  }

  /** Manual channel: queued messages of one coordinator, handed over (marked sent) as they are read. */
  async takeManualPending(em: EntityManager, coordinatorId: string) {
    const rows = returned<{ id: string; warning_id: string; kind: 'warning' | 'withdrawal' }>(
      await em.query(
        `UPDATE deliveries d SET status = 'sent', sent_at = clock_timestamp(), attempts = attempts + 1,
         next_attempt_at = NULL
       FROM warnings w
       WHERE d.warning_id = w.id AND d.coordinator_id = $1 AND d.channel = 'manual' AND d.status = 'queued'
         AND (d.kind = 'withdrawal' OR w.status = 'published')
       RETURNING d.id, d.warning_id, d.kind`,
        [coordinatorId],
      ),
    );
    return rows;
  }

  // ------------------------------------------------------------------ robot budgets

  /**
   * When the robot's budget was found spent: the milliseconds until the oldest of its last `max`
   * sends leaves the window (at least 1; 1 when the budget has come free meanwhile).
   */
  async robotBudgetWaitMs(robotKeyHash: string, max: number, windowMs: number): Promise<number> {
    const rows: { wait_ms: number | string | null }[] = await this.ds.query(
      `SELECT CASE WHEN cardinality(live) < $2 THEN 0
                ELSE extract(epoch FROM (live[cardinality(live) - $2 + 1]
                  + make_interval(secs => $3) - clock_timestamp())) * 1000 END AS wait_ms
       FROM (SELECT ARRAY(SELECT s FROM unnest(sends) s
                          WHERE s > clock_timestamp() - make_interval(secs => $3) ORDER BY s) AS live
             FROM robot_send_log WHERE robot_key_hash = $1) l`,
      [robotKeyHash, max, windowMs / 1000],
    );
    return Math.max(1, Math.ceil(Number(rows[0]?.wait_ms ?? 0)));
  }
}
