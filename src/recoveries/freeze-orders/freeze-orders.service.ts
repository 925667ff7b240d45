import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { Role } from '../../common/auth/roles.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { Clock } from '../../common/clock.js';
import { APP_CONFIG, AppConfig } from '../../common/config/config.js';
import { badRequest, conflict } from '../../common/http/errors.js';
import { parseFenFromDb } from '../../common/money.js';
import { CaseFactsService } from '../../cases/index.js';
import { UnitsService } from '../../identity/index.js';
import {
  AnswerFreezeOrderDto,
  ConvertFreezeOrderDto,
  CreateFreezeOrderDto,
  FreezeOrderDto,
  FreezeOrderNoteDto,
  FreezeOrderPage,
  ListFreezeOrdersQuery,
} from './dto/freeze-order.dto.js';
import { FreezeOrder } from './entities/freeze-order.entity.js';
import {
  addMonths,
  expiryOf,
  FREEZE_ORDER_KIND_LABELS,
  isLive,
  MAX_STOP_PAYMENTS_PER_ACCOUNT,
  reminderOf,
  RENEWAL_MONTHS,
  transition,
} from './freeze-order-status.js';
import { FreezeOrdersRepository, FreezeOrderViewRow } from './freeze-orders.repository.js';
import { FreezeExpiryScheduler } from './freeze-expiry.scheduler.js';
import { OutboxService } from '../../common/outbox/outbox.service.js';

const minutesBetween = (from: Date, to: Date) =>
  Math.floor((new Date(to).getTime() - new Date(from).getTime()) / 60_000);

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

/** A unique-index violation: another live order of the same kind holds the account. */
function isUniqueViolation(err: unknown): boolean {
  return (
    err instanceof QueryFailedError &&
    (err as QueryFailedError & { driverError?: { code?: string } }).driverError?.code === '23505'
  );
}

/** 止付/冻结: requests to banks, their answers, renewals, releases, conversions. */
@Injectable()
export class FreezeOrdersService {
  constructor(
    private readonly repo: FreezeOrdersRepository,
    private readonly cases: CaseFactsService,
    private readonly units: UnitsService,
    private readonly audit: AuditService,
    private readonly scheduler: FreezeExpiryScheduler,
    private readonly outbox: OutboxService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  toDto(r: FreezeOrderViewRow): FreezeOrderDto {
    return {
      id: r.id,
      kind: r.kind,
      status: r.status,
      caseId: r.case_id,
      caseNo: r.case_no,
      identifierId: r.identifier_id,
      account: r.account,
      unitId: r.unit_id,
      bankUnitId: r.bank_unit_id,
      bankName: r.bank_name,
      officerId: r.officer_id,
      majorCase: r.major_case,
      requestedFen: parseFenFromDb(r.requested_fen),
      frozenFen: r.frozen_fen === null ? null : parseFenFromDb(r.frozen_fen),
      recoveredFen: parseFenFromDb(r.recovered_fen),
      rejectReason: r.reject_reason,
      note: r.note,
      requestedAt: new Date(r.requested_at).toISOString(),
      answeredAt: iso(r.answered_at),
      expiresAt: iso(r.expires_at),
      remindAt: iso(r.remind_at),
      remindedAt: iso(r.reminded_at),
      renewals: r.renewals,
      convertedFromId: r.converted_from_id,
      convertedToId: r.converted_to_id,
      goldenHour: {
        minutesToRequest: minutesBetween(r.case_reported_at, r.requested_at),
        minutesToAnswer:
          r.answered_at === null ? null : minutesBetween(r.case_reported_at, r.answered_at),
      },
    };
  }

  async get(actor: Actor, id: string): Promise<FreezeOrderDto> {
    const row = await this.repo.view(actor, id);
    if (!row) throw new NotFoundException('Freeze order not found');
    const events = await this.repo.events(id);
    return {
      ...this.toDto(row),
      events: events.map((e) => ({
        id: e.id,
        action: e.action,
        fromStatus: e.fromStatus,
        toStatus: e.toStatus,
        actorKind: e.actorKind,
        actorId: e.actorId,
        details: e.details,
        at: e.occurredAt.toISOString(),
      })),
    };
  }

  async list(actor: Actor, q: ListFreezeOrdersQuery): Promise<FreezeOrderPage> {
    const expiresBefore =
      q.expiringWithinDays === undefined
        ? undefined
        : new Date(this.clock.nowMs() + q.expiringWithinDays * 86_400_000);
    const page = await this.repo.list(actor, { ...q, expiresBefore });
    return { items: page.items.map((r) => this.toDto(r)), nextCursor: page.nextCursor };
  }

  /** 发起止付/冻结: for an account (bank card) of a case the caller may see, to a bank. */
  async create(actor: Actor, dto: CreateFreezeOrderDto): Promise<FreezeOrderDto> {
    if (dto.requestedFen <= 0) throw badRequest('requestedFen', 'must be more than 0 fen');
    const c = await this.cases.findSummary(actor, dto.caseId);
    if (!c) throw badRequest('caseId', 'is not a case you may see');
    const identifier = (await this.cases.identifiersOf(c.id)).find(
      (i) => i.id === dto.identifierId,
    );
    if (!identifier) throw badRequest('identifierId', 'is not linked to this case');
    if (identifier.kind !== 'bank_card')
      throw badRequest(
        'identifierId',
        `must be a bank account (bank_card), not ${identifier.kind}`,
      );
    // A branch found by name stands for its bank: the bank's liaisons answer for every branch.
    const bank = await this.units.bankOf(dto.bankUnitId);
    if (!bank) throw badRequest('bankUnitId', 'must be a bank or a bank branch');
    const now = this.clock.now();
    const id = await this.ds
      .transaction(async (em) => {
        await this.repo.lockAccount(em, identifier.id);
        const live = await this.repo.liveOrderOf(em, identifier.id, dto.kind);
        if (live)
          throw conflict(
            `This account already has a live ${dto.kind} order (${live}); a new one may follow when it ends`,
            [{ field: 'identifierId', problem: `has a live ${dto.kind} order` }],
          );
        if (
          dto.kind === 'stop_payment' &&
          (await this.repo.countStopPayments(em, identifier.id)) >= MAX_STOP_PAYMENTS_PER_ACCOUNT
        ) {
          throw conflict(
            `A stop-payment may be repeated at most twice on one account (${MAX_STOP_PAYMENTS_PER_ACCOUNT} in all); convert it into a freeze instead`,
            [{ field: 'identifierId', problem: 'has had the most stop-payments allowed' }],
          );
        }
        const orderId = await this.repo.insert(em, {
          kind: dto.kind,
          status: 'requested',
          caseId: c.id,
          identifierId: identifier.id,
          unitId: c.unitId,
          bankUnitId: bank.id,
          officerId: actor.kind === 'user' ? actor.id : null,
          majorCase: dto.majorCase ?? false,
          requestedFen: String(dto.requestedFen),
          frozenFen: null,
          note: dto.note ?? null,
          caseReportedAt: new Date(c.reportedAt),
          requestedAt: now,
          answeredAt: null,
          expiresAt: null,
          remindAt: null,
          convertedFromId: null,
        });
        await this.repo.insertEvent(em, {
          orderId,
          action: 'request',
          from: null,
          to: 'requested',
          actor,
          at: now,
          details: { requestedFen: dto.requestedFen, bankUnitId: bank.id },
        });
        await this.audit.record(em, {
          action: 'freeze_order.request',
          entity: 'freeze_order',
          entityId: orderId,
          details: {
            kind: dto.kind,
            caseId: c.id,
            bankUnitId: bank.id,
            requestedFen: dto.requestedFen,
          },
        });
        await this.outbox.add(em, 'freeze-order-notify', { orderId, event: 'requested' });
        return orderId;
      })
      .catch((err: unknown) => {
        if (isUniqueViolation(err))
          throw conflict(`This account already has a live ${dto.kind} order`);
        throw err;
      });
    return this.get(actor, id);
  }

  /** Runs one change on a locked order the caller may see; 404 outside the caller's scope. */
  private async change(
    actor: Actor,
    id: string,
    fn: (em: EntityManager, order: FreezeOrder, now: Date) => Promise<string | void>,
  ): Promise<FreezeOrderDto> {
    const result = await this.ds.transaction(async (em) => {
      const order = await this.repo.lockScoped(em, actor, id);
      if (!order) throw new NotFoundException('Freeze order not found');
      return fn(em, order, this.clock.now());
    });
    return this.get(actor, typeof result === 'string' ? result : id);
  }

  /** 银行反馈: the bank of the order answers frozen, partially frozen or rejected. */
  answer(actor: Actor, id: string, dto: AnswerFreezeOrderDto): Promise<FreezeOrderDto> {
    return this.change(actor, id, async (em, order, now) => {
      // Only the bank asked answers (the endpoint is for liaisons; the scope is their bank).
      if (actor.role !== Role.BankLiaison) throw new NotFoundException('Freeze order not found');
      const to = transition(order, 'answer', now, dto.answer);
      const requested = parseFenFromDb(order.requestedFen);
      let frozen: number | null = null;
      if (dto.answer === 'rejected') {
        if (!dto.reason) throw badRequest('reason', 'is required when the bank rejects the order');
        if (dto.frozenFen !== undefined)
          throw badRequest('frozenFen', 'must be left out when the bank rejects the order');
      } else if (dto.answer === 'partially_frozen') {
        if (dto.frozenFen === undefined)
          throw badRequest('frozenFen', 'is required for a partial freeze');
        if (dto.frozenFen <= 0 || dto.frozenFen >= requested)
          throw badRequest(
            'frozenFen',
            `must be more than 0 and less than the ${requested} fen requested`,
          );
        frozen = dto.frozenFen;
      } else {
        if (dto.frozenFen !== undefined && dto.frozenFen !== requested)
          throw badRequest(
            'frozenFen',
            `must be the ${requested} fen requested (or use partially_frozen)`,
          );
        frozen = requested;
      }
      const live = isLive(to);
      const expiresAt = live ? expiryOf(order.kind, order.majorCase, now) : null;
      await this.repo.update(em, order.id, {
        status: to,
        frozenFen: frozen === null ? null : String(frozen),
        rejectReason: dto.answer === 'rejected' ? (dto.reason ?? null) : null,
        answeredAt: now,
        expiresAt,
        remindAt: expiresAt ? reminderOf(order.kind, expiresAt) : null,
      });
      await this.repo.insertEvent(em, {
        orderId: order.id,
        action: 'answer',
        from: order.status,
        to,
        actor,
        at: now,
        details: { frozenFen: frozen, reason: dto.reason ?? null, expiresAt: iso(expiresAt) },
      });
      if (live) await this.scheduler.schedule(em, order.id);
      await this.audit.record(em, {
        action: 'freeze_order.answer',
        entity: 'freeze_order',
        entityId: order.id,
        details: { answer: dto.answer, frozenFen: frozen },
      });
      await this.outbox.add(em, 'freeze-order-notify', {
        orderId: order.id,
        event: 'answered',
      });
    });
  }

  private assertPolice(actor: Actor): void {
    if (actor.role === Role.BankLiaison) throw new NotFoundException('Freeze order not found');
  }

  /**
   * 续冻: a live freeze, in the window before it lapses, runs 6 more months from its current
   * expiry; once per period, since the renewal moves the window on with the expiry.
   */
  renew(actor: Actor, id: string, dto: FreezeOrderNoteDto): Promise<FreezeOrderDto> {
    this.assertPolice(actor);
    return this.change(actor, id, async (em, order, now) => {
      transition(order, 'renew', now, undefined, {
        renewWindowDays: this.config.recoveries.freezeRenewWindowDays,
      });
      const expiresAt = addMonths(order.expiresAt as Date, RENEWAL_MONTHS);
      await this.repo.update(em, order.id, {
        expiresAt,
        remindAt: reminderOf(order.kind, expiresAt),
        remindedAt: null,
        renewals: order.renewals + 1,
      });
      await this.repo.insertEvent(em, {
        orderId: order.id,
        action: 'renew',
        from: order.status,
        to: order.status,
        actor,
        at: now,
        details: {
          previousExpiresAt: iso(order.expiresAt),
          expiresAt: expiresAt.toISOString(),
          note: dto.note ?? null,
        },
      });
      await this.scheduler.schedule(em, order.id);
      await this.audit.record(em, {
        action: 'freeze_order.renew',
        entity: 'freeze_order',
        entityId: order.id,
        details: { expiresAt: expiresAt.toISOString(), renewals: order.renewals + 1 },
      });
      await this.outbox.add(em, 'freeze-order-notify', { orderId: order.id, event: 'renewed' });
    });
  }

  /** 解除: the money is let go; the order ends. */
  release(actor: Actor, id: string, dto: FreezeOrderNoteDto): Promise<FreezeOrderDto> {
    this.assertPolice(actor);
    return this.change(actor, id, async (em, order, now) => {
      const to = transition(order, 'release', now);
      await this.repo.update(em, order.id, { status: to });
      await this.repo.insertEvent(em, {
        orderId: order.id,
        action: 'release',
        from: order.status,
        to,
        actor,
        at: now,
        details: { note: dto.note ?? null },
      });
      await this.audit.record(em, {
        action: 'freeze_order.release',
        entity: 'freeze_order',
        entityId: order.id,
        details: { kind: order.kind },
      });
      await this.outbox.add(em, 'freeze-order-notify', {
        orderId: order.id,
        event: 'released',
      });
    });
  }

  /**
   * 止付转冻结: a live stop-payment, before it expires, becomes a freeze of the same money. The
   * stop-payment ends as `converted`; a new freeze order holds what it held, from now on.
   * Answers the new freeze.
   */
  convert(actor: Actor, id: string, dto: ConvertFreezeOrderDto): Promise<FreezeOrderDto> {
    this.assertPolice(actor);
    return this.change(actor, id, async (em, order, now) => {
      const to = transition(order, 'convert', now);
      await this.repo.update(em, order.id, { status: to });
      const majorCase = dto.majorCase ?? order.majorCase;
      const expiresAt = expiryOf('freeze', majorCase, now);
      let freezeId: string;
      try {
        freezeId = await this.repo.insert(em, {
          kind: 'freeze',
          status: order.status,
          caseId: order.caseId,
          identifierId: order.identifierId,
          unitId: order.unitId,
          bankUnitId: order.bankUnitId,
          officerId: actor.kind === 'user' ? actor.id : order.officerId,
          majorCase,
          requestedFen: order.requestedFen,
          frozenFen: order.frozenFen,
          note: dto.note ?? null,
          caseReportedAt: order.caseReportedAt,
          requestedAt: now,
          answeredAt: now,
          expiresAt,
          remindAt: reminderOf('freeze', expiresAt),
          convertedFromId: order.id,
        });
      } catch (err) {
        if (isUniqueViolation(err))
          throw conflict('This account already has a live freeze; release or let it end first', [
            { field: 'status', problem: 'the account already has a live freeze' },
          ]);
        throw err;
      }
      await this.repo.insertEvent(em, {
        orderId: order.id,
        action: 'convert',
        from: order.status,
        to,
        actor,
        at: now,
        details: { freezeOrderId: freezeId },
      });
      await this.repo.insertEvent(em, {
        orderId: freezeId,
        action: 'convert',
        from: null,
        to: order.status,
        actor,
        at: now,
        details: {
          fromOrderId: order.id,
          from: FREEZE_ORDER_KIND_LABELS.stop_payment,
          expiresAt: expiresAt.toISOString(),
        },
      });
      await this.scheduler.schedule(em, freezeId);
      await this.audit.record(em, {
        action: 'freeze_order.convert',
        entity: 'freeze_order',
        entityId: order.id,
        details: { freezeOrderId: freezeId, frozenFen: order.frozenFen },
      });
      await this.outbox.add(em, 'freeze-order-notify', {
        orderId: freezeId,
        event: 'converted',
      });
      return freezeId;
    });
  }
}
