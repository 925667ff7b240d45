import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { Role } from '../../common/auth/roles.js';
import { inScope } from '../../common/auth/scope.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { Clock } from '../../common/clock.js';
import { badRequest, conflict } from '../../common/http/errors.js';
import { OutboxService } from '../../common/outbox/outbox.service.js';
import { DeliveriesService } from '../deliveries/deliveries.service.js';
import type { WarningDeliveriesDto } from '../deliveries/dto/delivery.dto.js';
import { AlertsLookups } from '../lookups.repository.js';
import { renderCap } from './cap.js';
import {
  CreateWarningDto,
  ListWarningsQuery,
  PublishWarningDto,
  WarningDto,
  WarningPage,
  WithdrawWarningDto,
} from './dto/warning.dto.js';
import type { Warning } from './entities/warning.entity.js';
import { nextWarningStatus, WarningAction } from './warning-status.js';
import { WarningsRepository } from './warnings.repository.js';

const TARGET_KINDS = ['community', 'station', 'sub_bureau'];

/** 预警: drafting, four-eyes approval, publishing (now or at a time), withdrawal, CAP export. */
@Injectable()
export class WarningsService {
  constructor(
    private readonly repo: WarningsRepository,
    private readonly lookups: AlertsLookups,
    private readonly deliveryRows: DeliveriesService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
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
    if (!(await this.lookups.fraudType(dto.fraudType)))
      throw badRequest('fraudType', 'is not a code of GET /fraud-types');
    const ids = [...new Set(dto.targetUnitIds)];
    const units = await this.lookups.units(ids);
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
      await this.repo.updateWarning(em, id, {
        status: 'approved',
        approvedBy: actor.id,
        approvedAt: this.clock.now(),
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
        await this.repo.updateWarning(em, id, { status: 'scheduled', publishAt });
        await this.outbox.add(em, 'alerts-fanout', { warningId: id }, publishAt.getTime() - now);
      } else {
        await this.repo.updateWarning(em, id, { status: 'published', publishedAt: new Date(now) });
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
      await this.repo.updateWarning(em, id, {
        status: 'withdrawn',
        withdrawnAt: this.clock.now(),
        withdrawnBy: actor.kind === 'user' ? actor.id : null,
        withdrawReason: dto.reason ?? null,
      });
      const { cancelled, notices } = await this.deliveryRows.withdrawAll(em, id);
      await this.audit.record(em, {
        action: 'warning.withdraw',
        entity: 'warning',
        entityId: id,
        details: { cancelled, notices, reason: dto.reason ?? null },
      });
    });
    return this.get(actor, id);
  }

  /** The warning's deliveries per coordinator, with counts by status. */
  async deliveries(actor: Actor, id: string): Promise<WarningDeliveriesDto> {
    await this.load(actor, id);
    return this.deliveryRows.ofWarning(id);
  }

  async cap(actor: Actor, id: string): Promise<string> {
    const w = await this.load(actor, id);
    const [ft, unit, targets] = await Promise.all([
      this.lookups.fraudType(w.fraudType),
      this.lookups.unitOf(w.unitId),
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

  /**
   * The fan-out job's work: one delivery row per enabled coordinator of the target areas, and one
   * outbox event per row that a channel sends, all in one transaction under the warning's update
   * lock; a crash before commit leaves nothing, a replay after commit inserts nothing (UNIQUE
   * (warning, coordinator, kind)) and so enqueues nothing. A scheduled warning that falls due is
   * published here; one not yet due answers when to look again.
   */
  async fanOut(warningId: string): Promise<{ created: number } | { retryAt: number }> {
    return this.ds.transaction(async (em) => {
      const w = await this.repo.findWarning(warningId, em, 'update');
      if (!w) return { created: 0 };
      if (w.status === 'scheduled') {
        const now = this.clock.nowMs();
        if (w.publishAt && w.publishAt.getTime() > now)
          return { retryAt: Date.now() + (w.publishAt.getTime() - now) };
        const verdict = nextWarningStatus(w, { kind: 'falls_due', nowMs: now });
        if (!verdict.ok) return { created: 0 };
        await this.repo.updateWarning(em, w.id, {
          status: 'published',
          publishedAt: new Date(now),
        });
      } else if (w.status !== 'published') {
        return { created: 0 }; // withdrawn before it went out, or never published
      }
      const created = await this.deliveryRows.fanOut(em, w.id);
      if (!w.fannedOutAt) await this.repo.updateWarning(em, w.id, { fannedOutAt: new Date() });
      return { created };
    });
  }
}
