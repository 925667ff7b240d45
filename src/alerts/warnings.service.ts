import { ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../common/auth/actor.js';
import { Role } from '../common/auth/roles.js';
import { inScope } from '../common/auth/scope.js';
import { AuditService } from '../common/audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, AppConfig } from '../common/config/config.js';
import { ApiError, badRequest, conflict } from '../common/http/errors.js';
import { OutboxService } from '../common/outbox/outbox.service.js';
import { HttpStatus } from '@nestjs/common';
import { AlertsRepository } from './alerts.repository.js';
import { AlertsSecrets } from './alerts-secrets.js';
import { renderCap } from './cap.js';
import type { Channel } from './channels.js';
import {
  AckResultDto,
  CreateWarningDto,
  FullMessageDto,
  ListWarningsQuery,
  PendingMessageDto,
  PublishWarningDto,
  WarningDeliveriesDto,
  WarningDto,
  WarningPage,
  WithdrawWarningDto,
} from './dto/warning.dto.js';
import { DELIVERY_STATUSES, DeliveryStatus } from './entities/delivery.entity.js';
import type { Warning } from './entities/warning.entity.js';
import { MessageRenderer } from './message-renderer.js';
import type { DeliveryPageProblem, DeliveryPageView } from './delivery-page.js';
import { CLOSING_LINE, stripBidiControls, verifyAckToken } from './message.js';
import { nextWarningStatus, WarningAction } from './warning-status.js';

const TARGET_KINDS = ['community', 'station', 'sub_bureau'];

/** 预警: drafting, four-eyes approval, publishing (now or at a time), withdrawal, CAP export. */
@Injectable()
export class WarningsService {
  constructor(
    private readonly repo: AlertsRepository,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly secrets: AlertsSecrets,
    private readonly renderer: MessageRenderer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  private async toDtos(ws: Warning[]): Promise<WarningDto[]> {
    const targets = await this.repo.targetsOf(ws.map((w) => w.id));
    return ws.map((w) => ({
      id: w.id,
      title: w.title,
      body: w.body,
      fraudType: w.fraudType,
      severity: w.severity,
      status: w.status,
      unitId: w.unitId,
      authorId: w.authorId,
      source: w.source,
      targets: targets
        .filter((t) => t.warning_id === w.id)
        .map((t) => ({ id: t.id, code: t.code, name: t.name, kind: t.kind })),
      approvedBy: w.approvedBy,
      approvedAt: w.approvedAt?.toISOString() ?? null,
      publishAt: w.publishAt?.toISOString() ?? null,
      publishedAt: w.publishedAt?.toISOString() ?? null,
      withdrawnAt: w.withdrawnAt?.toISOString() ?? null,
      withdrawReason: w.withdrawReason,
      createdAt: w.createdAt.toISOString(),
    }));
  }

  private async load(actor: Actor, id: string, em?: EntityManager, lock = false): Promise<Warning> {
    const w = await this.repo.findWarningScoped(actor, id, em, lock);
    if (!w) throw new NotFoundException('Warning not found');
    return w;
  }

  private step(w: Warning, action: WarningAction) {
    const verdict = nextWarningStatus({ status: w.status, authorId: w.authorId }, action);
    if (!verdict.ok) throw conflict(`Cannot do this: ${verdict.problem}`);
    return verdict.to;
  }

  async get(actor: Actor, id: string): Promise<WarningDto> {
    return (await this.toDtos([await this.load(actor, id)]))[0];
  }

  async list(actor: Actor, q: ListWarningsQuery): Promise<WarningPage> {
    const page = await this.repo.listWarnings(actor, q);
    return { items: await this.toDtos(page.items), nextCursor: page.nextCursor };
  }

  async create(actor: Actor, dto: CreateWarningDto): Promise<WarningDto> {
    if (!(await this.repo.fraudType(dto.fraudType)))
      throw badRequest('fraudType', 'is not a code of GET /fraud-types');
    const ids = [...new Set(dto.targetUnitIds)];
    const units = await this.repo.units(ids);
    if (units.length !== ids.length)
      throw badRequest('targetUnitIds', 'names a unit that does not exist');
    for (const u of units) {
      if (!TARGET_KINDS.includes(u.kind))
        throw badRequest(
          'targetUnitIds',
          `${u.code} is a ${u.kind}; targets are communities, stations or sub-bureaus`,
        );
      if (!inScope(actor, u.path))
        throw badRequest('targetUnitIds', `${u.code} is outside your area`);
    }
    const id = await this.ds.transaction(async (em) => {
      const newId = await this.repo.insertWarning(
        em,
        {
          title: dto.title,
          body: dto.body,
          fraudType: dto.fraudType,
          severity: dto.severity,
          unitId: actor.unitId,
          authorId: actor.kind === 'user' ? actor.id : null,
          publishAt: dto.publishAt ? new Date(dto.publishAt) : null,
        },
        ids,
      );
      if (!newId) throw new Error('warning insert returned no row');
      await this.audit.record(em, {
        action: 'warning.create',
        entity: 'warning',
        entityId: newId,
        details: { fraudType: dto.fraudType, severity: dto.severity, targets: ids },
      });
      return newId;
    });
    return this.get(actor, id);
  }

  async approve(actor: Actor, id: string): Promise<WarningDto> {
    await this.ds.transaction(async (em) => {
      const w = await this.load(actor, id, em, true);
      this.step(w, {
        kind: 'approve',
        actorId: actor.id,
        actorIsSupervisor: actor.role === Role.Supervisor,
      });
      await this.repo.setWarning(em, id, {
        status: 'approved',
        approved_by: actor.id,
        approved_at: this.clock.now(),
      });
      await this.audit.record(em, { action: 'warning.approve', entity: 'warning', entityId: id });
    });
    return this.get(actor, id);
  }

  async publish(actor: Actor, id: string, dto: PublishWarningDto): Promise<WarningDto> {
    await this.ds.transaction(async (em) => {
      const w = await this.load(actor, id, em, true);
      const now = this.clock.nowMs();
      const publishAt = dto.publishAt ? new Date(dto.publishAt) : w.publishAt;
      const to = this.step(w, {
        kind: 'publish',
        nowMs: now,
        publishAtMs: publishAt?.getTime() ?? null,
      });
      if (to === 'scheduled' && publishAt) {
        await this.repo.setWarning(em, id, { status: 'scheduled', publish_at: publishAt });
        await this.outbox.add(em, 'alerts-fanout', { warningId: id }, publishAt.getTime() - now);
      } else {
        await this.repo.setWarning(em, id, { status: 'published', published_at: new Date(now) });
        await this.outbox.add(em, 'alerts-fanout', { warningId: id });
      }
      await this.audit.record(em, {
        action: 'warning.publish',
        entity: 'warning',
        entityId: id,
        details: { scheduledFor: to === 'scheduled' ? publishAt?.toISOString() : null },
      });
    });
    return this.get(actor, id);
  }

  /**
   * Stops what has not gone out and sends a short withdrawal notice to every group that already got
   * the warning. A message being sent at this very moment finishes; the deliver job then sees the
   * withdrawal (it takes the warning row's share lock) and adds the notice for it.
   */
  async withdraw(actor: Actor, id: string, dto: WithdrawWarningDto): Promise<WarningDto> {
    await this.ds.transaction(async (em) => {
      const w = await this.load(actor, id, em, true);
      this.step(w, { kind: 'withdraw' });
      await this.repo.setWarning(em, id, {
        status: 'withdrawn',
        withdrawn_at: this.clock.now(),
        withdrawn_by: actor.kind === 'user' ? actor.id : null,
        withdraw_reason: dto.reason ?? null,
      });
      const cancelled = await this.repo.cancelUnsent(em, id);
      const notices = await this.repo.insertWithdrawals(em, id);
      await this.enqueueDeliveries(em, notices);
      await this.audit.record(em, {
        action: 'warning.withdraw',
        entity: 'warning',
        entityId: id,
        details: { cancelled, notices: notices.length, reason: dto.reason ?? null },
      });
    });
    return this.get(actor, id);
  }

  /** Outbox events for the rows a channel sends; manual rows wait for the coordinator to pull them. */
  async enqueueDeliveries(
    em: EntityManager,
    rows: { id: string; channel: Channel }[],
  ): Promise<void> {
    const sendable = rows.filter((r) => r.channel !== 'manual').map((r) => ({ deliveryId: r.id }));
    if (sendable.length) await this.outbox.addBulk(em, 'alerts-deliver', sendable);
  }

  async deliveries(actor: Actor, id: string): Promise<WarningDeliveriesDto> {
    await this.load(actor, id);
    const rows = await this.repo.deliveriesOf(id);
    const zero = () =>
      Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
    const counts = zero();
    const withdrawalCounts = zero();
    for (const r of rows) (r.kind === 'warning' ? counts : withdrawalCounts)[r.status]++;
    return {
      warningId: id,
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

  async cap(actor: Actor, id: string): Promise<string> {
    const w = await this.load(actor, id);
    const [ft, unit, targets] = await Promise.all([
      this.repo.fraudType(w.fraudType),
      this.repo.unitOf(w.unitId),
      this.repo.targetsOf([id]),
    ]);
    return renderCap({
      id: w.id,
      title: w.title,
      body: w.body,
      fraudTypeZh: ft?.label_zh ?? w.fraudType,
      typicalScript: ft?.typical_script ?? '',
      severity: w.severity,
      status: w.status,
      unitCode: unit?.code ?? 'unknown',
      unitName: unit?.name ?? '',
      publishedAt: w.publishedAt,
      withdrawnAt: w.withdrawnAt,
      createdAt: w.createdAt,
      areas: targets.map((t) => t.name),
    });
  }

  // ------------------------------------------------------------------ deliveries seen from outside

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
    const w = await this.repo.findWarning(d.warningId);
    if (!w || w.status === 'withdrawn')
      throw new ApiError(HttpStatus.GONE, 'This warning was withdrawn');
    const ft = await this.repo.fraudType(w.fraudType);
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
    const w = d && (await this.repo.findWarning(d.warningId));
    if (!d || !w) return { problem: 'not_found' };
    if (w.status === 'withdrawn') return { problem: 'withdrawn' };
    const ackable = d.status === 'sent' || d.status === 'acknowledged';
    if (acknowledge && ackable) {
      await this.acknowledge(null, id, token);
      d = (await this.repo.deliveryWithCommunity(id)) ?? d;
    }
    const [ft, unit] = await Promise.all([
      this.repo.fraudType(w.fraudType),
      this.repo.unitOf(w.unitId),
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
      const c = await this.repo.findCoordinatorScoped(actor, coordinatorId, em, true);
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
