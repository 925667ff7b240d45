import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../common/auth/actor';
import { scopeWhere } from '../common/auth/scope';
import { Page, paginate } from '../common/pagination/pagination';
import type { Channel } from './channels';
import type { ListCoordinatorsQuery } from './dto/coordinator.dto';
import type { ListWarningsQuery } from './dto/warning.dto';
import { Coordinator } from './entities/coordinator.entity';
import { Delivery, DeliveryStatus } from './entities/delivery.entity';
import { Warning } from './entities/warning.entity';
import type { Severity, WarningStatus } from './warning-status';
import { returned } from '../common/database/returned';

export interface UnitRow {
  id: string;
  kind: string;
  code: string;
  name: string;
  path: string;
}

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

/** Every query of the alerts feature. */
@Injectable()
export class AlertsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  // ------------------------------------------------------------------ units and fraud types

  async units(ids: string[], em: EntityManager = this.ds.manager): Promise<UnitRow[]> {
    return em.query('SELECT id, kind, code, name, path FROM units WHERE id = ANY($1::uuid[])', [
      ids,
    ]);
  }

  async fraudType(
    code: string,
    em: EntityManager = this.ds.manager,
  ): Promise<{ code: string; label_zh: string; typical_script: string } | undefined> {
    const rows: { code: string; label_zh: string; typical_script: string }[] = await em.query(
      'SELECT code, label_zh, typical_script FROM fraud_types WHERE code = $1',
      [code],
    );
    return rows[0];
  }

  // ------------------------------------------------------------------ warnings

  async insertWarning(
    em: EntityManager,
    w: {
      title: string;
      body: string;
      fraudType: string;
      severity: Severity;
      unitId: string;
      authorId: string | null;
      publishAt: Date | null;
      source?: 'manual' | 'trend_scan';
      trendKey?: string | null;
    },
    targetUnitIds: string[],
  ): Promise<string | null> {
    const rows: { id: string }[] = await em.query(
      `INSERT INTO warnings (title, body, fraud_type, severity, unit_id, author_id, publish_at, source, trend_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (trend_key) DO NOTHING RETURNING id`,
      [
        w.title,
        w.body,
        w.fraudType,
        w.severity,
        w.unitId,
        w.authorId,
        w.publishAt,
        w.source ?? 'manual',
        w.trendKey ?? null,
      ],
    );
    if (!rows.length) return null;
    await em.query(
      `INSERT INTO warning_targets (warning_id, unit_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`,
      [rows[0].id, targetUnitIds],
    );
    return rows[0].id;
  }

  async findWarningScoped(
    actor: Actor,
    id: string,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<Warning | null> {
    const scope = scopeWhere(actor, 'w.unit_id');
    const qb = em
      .getRepository(Warning)
      .createQueryBuilder('w')
      .where('w.id = :id', { id })
      .andWhere(scope.sql, scope.params);
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  async findWarning(id: string, em: EntityManager = this.ds.manager, lock?: 'update' | 'share') {
    const qb = em.getRepository(Warning).createQueryBuilder('w').where('w.id = :id', { id });
    if (lock === 'update') qb.setLock('pessimistic_write');
    if (lock === 'share') qb.setLock('pessimistic_read');
    return qb.getOne();
  }

  async listWarnings(actor: Actor, q: ListWarningsQuery): Promise<Page<Warning>> {
    const scope = scopeWhere(actor, 'w.unit_id');
    const qb = this.ds
      .getRepository(Warning)
      .createQueryBuilder('w')
      .where(scope.sql, scope.params);
    if (q.status) qb.andWhere('w.status = :status', { status: q.status });
    return paginate(qb, q, {
      sort: 'w.created_at',
      id: 'w.id',
      value: (w) => w.createdAt.toISOString(),
    });
  }

  async targetsOf(warningIds: string[], em: EntityManager = this.ds.manager) {
    const rows: (UnitRow & { warning_id: string })[] = await em.query(
      `SELECT t.warning_id, u.id, u.kind, u.code, u.name, u.path FROM warning_targets t
       JOIN units u ON u.id = t.unit_id WHERE t.warning_id = ANY($1::uuid[]) ORDER BY u.code`,
      [warningIds],
    );
    return rows;
  }

  async unitOf(id: string, em: EntityManager = this.ds.manager): Promise<UnitRow | undefined> {
    return (await this.units([id], em))[0];
  }

  async setWarning(
    em: EntityManager,
    id: string,
    set: Partial<Record<string, unknown>>,
  ): Promise<void> {
    const cols = Object.keys(set);
    await em.query(
      `UPDATE warnings SET ${cols.map((c, i) => `${c} = $${i + 2}`).join(', ')}, updated_at = now() WHERE id = $1`,
      [id, ...cols.map((c) => set[c])],
    );
  }

  /** Scheduled warnings that fell due and published ones whose fan-out job never ran (lost). */
  async warningsToFanOut(em: EntityManager, graceMs: number): Promise<string[]> {
    const rows: { id: string }[] = await em.query(
      `SELECT id FROM warnings
       WHERE (status = 'published' AND fanned_out_at IS NULL AND published_at < now() - make_interval(secs => $1))
          OR (status = 'scheduled' AND publish_at < now() - make_interval(secs => $1))
       ORDER BY created_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
      [graceMs / 1000],
    );
    return rows.map((r) => r.id);
  }

  // ------------------------------------------------------------------ coordinators

  async insertCoordinator(
    em: EntityManager,
    c: {
      name: string;
      phone: string;
      communityId: string;
      groupName: string;
      groupSize: number;
      channel: Channel;
      webhookUrlEnc: string | null;
      webhookUrlMasked: string | null;
      robotKeyHash: string | null;
      webhookSecretEnc: string | null;
      createdBy: string | null;
    },
  ): Promise<string | null> {
    const rows: { id: string }[] = await em.query(
      `INSERT INTO coordinators (name, phone, community_id, group_name, group_size, channel,
         webhook_url_enc, webhook_url_masked, robot_key_hash, webhook_secret_enc, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
       ON CONFLICT (community_id, group_name) DO NOTHING RETURNING id`,
      [
        c.name,
        c.phone,
        c.communityId,
        c.groupName,
        c.groupSize,
        c.channel,
        c.webhookUrlEnc,
        c.webhookUrlMasked,
        c.robotKeyHash,
        c.webhookSecretEnc,
        c.createdBy,
      ],
    );
    return rows[0]?.id ?? null;
  }

  async updateCoordinator(
    em: EntityManager,
    id: string,
    set: Record<string, unknown>,
  ): Promise<void> {
    const cols = Object.keys(set);
    if (!cols.length) return;
    await em.query(
      `UPDATE coordinators SET ${cols.map((c, i) => `${c} = $${i + 2}`).join(', ')}, updated_at = now() WHERE id = $1`,
      [id, ...cols.map((c) => set[c])],
    );
  }

  async findCoordinatorScoped(
    actor: Actor,
    id: string,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<Coordinator | null> {
    const scope = scopeWhere(actor, 'c.community_id');
    const qb = em
      .getRepository(Coordinator)
      .createQueryBuilder('c')
      .where('c.id = :id', { id })
      .andWhere(scope.sql, scope.params);
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  async listCoordinators(actor: Actor, q: ListCoordinatorsQuery): Promise<Page<Coordinator>> {
    const scope = scopeWhere(actor, 'c.community_id');
    const qb = this.ds
      .getRepository(Coordinator)
      .createQueryBuilder('c')
      .where(scope.sql, scope.params);
    if (q.communityId) qb.andWhere('c.community_id = :cid', { cid: q.communityId });
    if (q.enabled !== undefined) qb.andWhere('c.enabled = :en', { en: q.enabled });
    return paginate(qb, q, {
      sort: 'c.created_at',
      id: 'c.id',
      value: (c) => c.createdAt.toISOString(),
    });
  }

  async flagChannelBroken(coordinatorId: string, reason: string): Promise<void> {
    await this.ds.query(
      `UPDATE coordinators SET channel_broken_at = now(), channel_broken_reason = $2, updated_at = now()
       WHERE id = $1 AND channel_broken_at IS NULL`,
      [coordinatorId, reason.slice(0, 500)],
    );
  }

  // ------------------------------------------------------------------ deliveries

  /**
   * One delivery per enabled coordinator of every community under the warning's targets, in one
   * statement; a replay inserts nothing (UNIQUE (warning_id, coordinator_id, kind)). Returns the
   * rows it created.
   */
  async insertFanOut(
    em: EntityManager,
    warningId: string,
  ): Promise<{ id: string; channel: Channel }[]> {
    return em.query(
      `WITH tp AS (
         SELECT u.path FROM warning_targets t JOIN units u ON u.id = t.unit_id WHERE t.warning_id = $1
       ), communities AS (
         SELECT DISTINCT c.id FROM units c JOIN tp ON c.path LIKE tp.path || '%' WHERE c.kind = 'community'
       )
       INSERT INTO deliveries (warning_id, coordinator_id, kind, channel)
       SELECT $1, co.id, 'warning', co.channel FROM coordinators co
       JOIN communities cm ON cm.id = co.community_id
       WHERE co.enabled
       ON CONFLICT (warning_id, coordinator_id, kind) DO NOTHING
       RETURNING id, channel`,
      [warningId],
    );
  }

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
    const rows = returned<unknown>(
      await em.query(
        `UPDATE deliveries SET status = 'cancelled', last_error = 'warning withdrawn'
       WHERE warning_id = $1 AND kind = 'warning' AND status = 'queued' RETURNING id`,
        [warningId],
      ),
    );
    return rows.length;
  }

  async deliveryWork(id: string, staleMs: number): Promise<DeliveryWork | undefined> {
    const rows: DeliveryWork[] = await this.ds.query(
      `SELECT d.id, d.kind, d.status, d.channel, d.attempts, d.claimed_at, d.next_attempt_at,
              d.claimed_at < clock_timestamp() - make_interval(secs => $2) AS stale,
              d.next_attempt_at <= clock_timestamp() AS due,
              w.id AS warning_id, w.status AS warning_status,
              co.id AS coordinator_id, co.enabled, co.channel_broken_at, co.webhook_url_enc,
              co.webhook_secret_enc, co.robot_key_hash
       FROM deliveries d JOIN warnings w ON w.id = d.warning_id
       JOIN coordinators co ON co.id = d.coordinator_id WHERE d.id = $1`,
      [id, staleMs / 1000],
    );
    return rows[0];
  }

  /**
   * The claim that makes a send happen once: queued → sending, or a 'sending' row abandoned by a
   * dead worker for longer than `staleMs`. Returns the claim time, or null when another worker has it.
   */
  async claim(id: string, staleMs: number): Promise<Date | null> {
    const rows = returned<{ claimed_at: Date }>(
      await this.ds.query(
        `UPDATE deliveries SET status = 'sending', claimed_at = clock_timestamp(), attempts = attempts + 1
       WHERE id = $1 AND (status = 'queued'
         OR (status = 'sending' AND claimed_at < clock_timestamp() - make_interval(secs => $2)))
       RETURNING claimed_at`,
        [id, staleMs / 1000],
      ),
    );
    return rows[0]?.claimed_at ?? null;
  }

  async markSent(em: EntityManager, id: string): Promise<boolean> {
    const rows = returned<unknown>(
      await em.query(
        `UPDATE deliveries SET status = 'sent', sent_at = clock_timestamp(), last_error = NULL
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
      `UPDATE deliveries SET status = 'failed', last_error = $2
       WHERE id = $1 AND status IN ('queued','sending')`,
      [id, error.slice(0, 1000)],
    );
  }

  async cancel(id: string, reason: string): Promise<void> {
    await this.ds.query(
      `UPDATE deliveries SET status = 'cancelled', last_error = $2 WHERE id = $1 AND status = 'queued'`,
      [id, reason],
    );
  }

  /** Queued rows whose job is long overdue (lost with a queue store that kept nothing), and abandoned claims. */
  async overdueDeliveries(em: EntityManager, graceMs: number, staleMs: number): Promise<string[]> {
    const rows = returned<{ id: string }>(
      await em.query(
        `WITH due AS (
         SELECT id FROM deliveries
         WHERE status IN ('queued','sending') AND channel <> 'manual'
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
       JOIN coordinators co ON co.id = d.coordinator_id JOIN units u ON u.id = co.community_id
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
      nextAttemptAt: r.next_attempt_at as Date,
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
        `UPDATE deliveries d SET status = 'sent', sent_at = clock_timestamp(), attempts = attempts + 1
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
   * Reserves one send on a WeCom robot if fewer than `max` went out in the last `windowMs`: a
   * sliding log per robot, locked row by row, so every worker of every process shares it. Returns 0
   * when reserved, else the milliseconds until the oldest send leaves the window.
   */
  async reserveRobotSend(robotKeyHash: string, max: number, windowMs: number): Promise<number> {
    // One statement, so one implicit transaction holds the row lock from read to write; the row is
    // created (once per robot) only when the first attempt finds none.
    const reserve = async () =>
      returned<{ wait_ms: number | null; allowed: boolean }>(
        await this.ds.query(
          `WITH cur AS (
             SELECT robot_key_hash, ARRAY(SELECT s FROM unnest(sends) s
               WHERE s > clock_timestamp() - make_interval(secs => $3) ORDER BY s) AS live
             FROM robot_send_log WHERE robot_key_hash = $1 FOR UPDATE
           )
           UPDATE robot_send_log r
           SET sends = CASE WHEN cardinality(cur.live) < $2 THEN cur.live || clock_timestamp() ELSE cur.live END
           FROM cur WHERE r.robot_key_hash = cur.robot_key_hash
           RETURNING cardinality(cur.live) < $2 AS allowed,
             extract(epoch FROM (cur.live[cardinality(cur.live) - $2 + 1] + make_interval(secs => $3) - clock_timestamp())) * 1000 AS wait_ms`,
          [robotKeyHash, max, windowMs / 1000],
        ),
      );
    let rows = await reserve();
    if (!rows.length) {
      await this.ds.query(
        'INSERT INTO robot_send_log (robot_key_hash) VALUES ($1) ON CONFLICT DO NOTHING',
        [robotKeyHash],
      );
      rows = await reserve();
    }
    const r = rows[0];
    return r.allowed ? 0 : Math.max(1, Math.ceil(Number(r.wait_ms ?? windowMs)));
  }
}
