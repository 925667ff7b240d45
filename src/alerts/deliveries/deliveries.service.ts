import { ForbiddenException, HttpStatus, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { inScope } from '../../common/auth/scope.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { Clock } from '../../common/clock.js';
import { ApiError, badRequest, conflict } from '../../common/http/errors.js';
import { OutboxService } from '../../common/outbox/outbox.service.js';
import { AlertsSecrets } from '../alerts-secrets.js';
import { CoordinatorsRepository } from '../coordinators/coordinators.repository.js';
import { AlertsLookups } from '../lookups.repository.js';
import { WarningsRepository } from '../warnings/warnings.repository.js';
import type { Channel } from './channels.js';
import { DeliveriesRepository, FAN_OUT_SQL } from './deliveries.repository.js';
import type { DeliveryPageProblem, DeliveryPageView } from './delivery-page.js';
import {
  AckResultDto,
  FullMessageDto,
  PendingMessageDto,
  WarningDeliveriesDto,
} from './dto/delivery.dto.js';
import { DELIVERY_STATUSES, DeliveryStatus } from './entities/delivery.entity.js';
import { MessageRenderer } from './message-renderer.js';
import { CLOSING_LINE, stripBidiControls, verifyAckToken } from './message.js';

/**
 * Delivery rows per job. BullMQ's cost per job (its statements on PostgreSQL, its scripts on
 * Redis) is then paid once per this many deliveries; the rows of one job go out a slice at a time
 * (CLAIM_SLICE), so a bigger chunk does not mean more sends in flight.
 */
export const DELIVERY_CHUNK = 100;

/**
 * 推送: the deliveries of a warning as its life creates them (fan-out, withdrawal notices) and as
 * people see them (the coordinator's link and page, the manual channel's pickup, the list per
 * warning). Sending is DeliverySender's.
 */
@Injectable()
export class DeliveriesService {
  constructor(
    private readonly repo: DeliveriesRepository,
    private readonly warnings: WarningsRepository,
    private readonly coordinators: CoordinatorsRepository,
    private readonly lookups: AlertsLookups,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly secrets: AlertsSecrets,
    private readonly renderer: MessageRenderer,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  /**
   * Outbox events for the rows a channel sends, in chunks of DELIVERY_CHUNK rows, one job each
   * (DeliverySender.deliverMany); manual rows wait for the coordinator to pull them.
   */
  async enqueue(em: EntityManager, rows: { id: string; channel: Channel }[]): Promise<void> {
    await this.enqueueIds(
      em,
      rows.filter((r) => r.channel !== 'manual').map((r) => r.id),
    );
  }

  /** Delivery rows to send (or look at again), in chunks of DELIVERY_CHUNK, one job each. */
  async enqueueIds(em: EntityManager, ids: string[]): Promise<void> {
    const chunks: { deliveryIds: string[] }[] = [];
    for (let i = 0; i < ids.length; i += DELIVERY_CHUNK)
      chunks.push({ deliveryIds: ids.slice(i, i + DELIVERY_CHUNK) });
    if (chunks.length) await this.outbox.addBulk(em, 'alerts-deliver', chunks);
  }

  /**
   * One delivery per enabled coordinator of the warning's areas, enqueued DELIVERY_CHUNK to a job,
   * in one statement of the caller's transaction (FAN_OUT_SQL: the rows never pass through the
   * process, so memory does not grow with the number of coordinators); a replay creates (and
   * enqueues) nothing. Returns how many it created.
   */
  async fanOut(em: EntityManager, warningId: string): Promise<number> {
    const r = await this.outbox.addComputed(em, 'alerts-deliver', FAN_OUT_SQL, [
      warningId,
      DELIVERY_CHUNK,
    ]);
    return Number(r.created);
  }

  /**
   * In the withdraw's transaction (which holds the warning's update lock): cancels what has not
   * gone out, and enqueues a withdrawal notice for every group that already got the warning.
   */
  async withdrawAll(
    em: EntityManager,
    warningId: string,
  ): Promise<{ cancelled: number; notices: number }> {
    const cancelled = await this.repo.cancelUnsent(em, warningId);
    const notices = await this.repo.insertWithdrawals(em, warningId);
    await this.enqueue(em, notices);
    return { cancelled, notices: notices.length };
  }

  /** A warning's deliveries with counts by status (the caller has checked the warning's scope). */
  async ofWarning(warningId: string): Promise<WarningDeliveriesDto> {
    const rows = await this.repo.deliveriesOf(warningId);
    const zero = () =>
      Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
    const counts = zero();
    const withdrawalCounts = zero();
    for (const r of rows) (r.kind === 'warning' ? counts : withdrawalCounts)[r.status]++;
    return {
      warningId,
      counts,
      withdrawalCounts,
      items: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        coordinatorId: r.coordinator_id,
        coordinatorName: r.name,
        groupName: r.group_name,
        communityId: r.community_id,
        channel: r.channel,
        status: r.status,
        attempts: r.attempts,
        lastError: r.last_error,
        sentAt: r.sent_at ? new Date(r.sent_at).toISOString() : null,
        acknowledgedAt: r.acknowledged_at ? new Date(r.acknowledged_at).toISOString() : null,
      })),
    };
  }

  private checkToken(id: string, token: string): void {
    const verdict = verifyAckToken(
      this.secrets.ackKey,
      id,
      token,
      Math.floor(this.clock.nowMs() / 1000),
    );
    if (verdict === 'expired') throw new ApiError(HttpStatus.GONE, 'This link has expired');
    if (verdict !== 'ok') throw new ForbiddenException('The link is not valid for this message');
  }

  /** 已收到: by the signed link (no login), or by a logged-in officer of the coordinator's area. */
  async acknowledge(
    actor: Actor | null,
    id: string,
    token: string | undefined,
  ): Promise<AckResultDto> {
    if (token) this.checkToken(id, token);
    else if (!actor)
      throw badRequest(
        'token',
        'is required unless you are logged in (use the link sent with the message)',
      );
    return this.ds.transaction(async (em) => {
      const d = await this.repo.deliveryWithCommunity(id, em);
      if (!d || (!token && actor && !inScope(actor, d.communityPath)))
        throw new NotFoundException('Delivery not found');
      const at = await this.repo.acknowledge(
        em,
        id,
        this.clock.now(),
        !token && actor?.kind === 'user' ? actor.id : null,
      );
      if (!at) throw conflict(`A ${d.status} message cannot be acknowledged`);
      await this.audit.record(em, {
        action: 'delivery.acknowledge',
        entity: 'delivery',
        entityId: id,
        details: { by: token ? 'link' : 'officer' },
      });
      return { id, status: 'acknowledged', acknowledgedAt: new Date(at).toISOString() };
    });
  }

  /** The whole text behind the "阅读全文" link of a cut message. */
  async fullMessage(id: string, token: string): Promise<FullMessageDto> {
    this.checkToken(id, token);
    const d = await this.repo.deliveryWithCommunity(id);
    if (!d) throw new NotFoundException('Delivery not found');
    const w = await this.warnings.findWarning(d.warningId);
    if (!w || w.status === 'withdrawn')
      throw new ApiError(HttpStatus.GONE, 'This warning was withdrawn');
    const ft = await this.lookups.fraudType(w.fraudType);
    // The rest of a WeChat message: the same text rules as the message itself.
    return {
      title: stripBidiControls(w.title),
      body: stripBidiControls(w.body),
      typicalScript: stripBidiControls(ft?.typical_script ?? ''),
      closing: CLOSING_LINE,
    };
  }

  /**
   * The page behind a message's link (/m/deliveries/:id): the warning, and its acknowledgement
   * when `acknowledge` (the page's button, a POST; opening the link never acknowledges). Answers a
   * problem instead of throwing, so the page route can show it as a page rather than JSON.
   */
  async deliveryPage(
    id: string,
    token: string,
    acknowledge: boolean,
  ): Promise<{ view: DeliveryPageView } | { problem: DeliveryPageProblem }> {
    const verdict = verifyAckToken(
      this.secrets.ackKey,
      id,
      token,
      Math.floor(this.clock.nowMs() / 1000),
    );
    if (verdict !== 'ok') return { problem: verdict };
    let d = await this.repo.deliveryWithCommunity(id);
    const w = d && (await this.warnings.findWarning(d.warningId));
    if (!d || !w) return { problem: 'not_found' };
    if (w.status === 'withdrawn') return { problem: 'withdrawn' };
    const ackable = d.status === 'sent' || d.status === 'acknowledged';
    if (acknowledge && ackable) {
      await this.acknowledge(null, id, token);
      d = (await this.repo.deliveryWithCommunity(id)) ?? d;
    }
    const [ft, unit] = await Promise.all([
      this.lookups.fraudType(w.fraudType),
      this.lookups.unitOf(w.unitId),
    ]);
    // The same text rules as the message itself.
    const out = stripBidiControls;
    return {
      view: {
        deliveryId: id,
        token,
        title: out(w.title),
        body: out(w.body),
        fraudTypeZh: out(ft?.label_zh ?? w.fraudType),
        typicalScript: out(ft?.typical_script ?? ''),
        severity: w.severity,
        unitName: out(unit?.name ?? ''),
        publishedAt: w.publishedAt,
        acknowledgedAt: d.acknowledgedAt,
        canAcknowledge: ackable,
      },
    };
  }

  /** Manual channel: the coordinator's queued messages, handed over (and marked sent) as read. */
  async takePending(actor: Actor, coordinatorId: string): Promise<PendingMessageDto[]> {
    return this.ds.transaction(async (em) => {
      const c = await this.coordinators.findCoordinatorScoped(actor, coordinatorId, em, true);
      if (!c) throw new NotFoundException('Coordinator not found');
      if (c.channel !== 'manual') throw conflict('This coordinator is not on the manual channel');
      if (!c.enabled) return [];
      const rows = await this.repo.takeManualPending(em, coordinatorId);
      const out: PendingMessageDto[] = [];
      for (const r of rows) {
        const m = await this.renderer.render(r.id, r.warning_id, r.kind, em);
        out.push({
          deliveryId: r.id,
          warningId: r.warning_id,
          kind: r.kind,
          title: m.title,
          markdown: m.markdown,
          text: m.text,
        });
      }
      if (rows.length)
        await this.audit.record(em, {
          action: 'delivery.manual_pickup',
          entity: 'coordinator',
          entityId: coordinatorId,
          details: { deliveries: rows.map((r) => r.id) },
        });
      return out;
    });
  }
}
