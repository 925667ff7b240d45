import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { Clock } from '../../common/clock.js';
import { APP_CONFIG, AppConfig } from '../../common/config/config.js';
import { conflict } from '../../common/http/errors.js';
import { parseFenFromDb, parseFenTotalFromDb, totalFen } from '../../common/money.js';
import { CaseFactsService } from '../../cases/index.js';
import { allocate, AllocationPlan, needsNotice } from './allocator.js';
import {
  AllocationDto,
  AllocationProposalDto,
  CaseMoneyDto,
  CreateRecoveryDto,
  ListRecoveriesQuery,
  RecoveryDto,
  RecoveryPage,
  RecoveryTotalsDto,
} from './dto/recovery.dto.js';
import { isLive } from '../freeze-orders/freeze-order-status.js';
import { FreezeOrdersRepository } from '../freeze-orders/freeze-orders.repository.js';
import {
  AllocationViewRow,
  ProposalRow,
  RecoveriesRepository,
  RecoveryViewRow,
  StoredPart,
} from './recoveries.repository.js';

const DAY_MS = 24 * 3600_000;

/** A CHECK (or the allocation trigger) refused the write: someone else got there first. */
function isCheckViolation(err: unknown): boolean {
  return (
    err instanceof QueryFailedError &&
    (err as QueryFailedError & { driverError?: { code?: string } }).driverError?.code === '23514'
  );
}

const samePlan = (p: ProposalRow, plan: AllocationPlan) =>
  p.method === plan.method &&
  p.parts.length === plan.parts.length &&
  p.parts.every(
    (x, i) => x.victimId === plan.parts[i].victimId && x.amountFen === plan.parts[i].amountFen,
  );

/** 追回 into custody and 返还分配 to victims. */
@Injectable()
export class RecoveriesService {
  constructor(
    private readonly repo: RecoveriesRepository,
    private readonly orders: FreezeOrdersRepository,
    private readonly cases: CaseFactsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  private toDto(r: RecoveryViewRow): RecoveryDto {
    return {
      id: r.id,
      orderId: r.order_id,
      caseId: r.case_id,
      caseNo: r.case_no,
      unitId: r.unit_id,
      amountFen: parseFenFromDb(r.amount_fen),
      allocatedFen: parseFenFromDb(r.allocated_fen),
      recoveredOn: r.recovered_on,
      legalBasis: r.legal_basis,
      custodyAccount: r.custody_account,
      createdAt: new Date(r.created_at).toISOString(),
    };
  }

  /** Allocation rows as the API shows them, victims masked. */
  async allocationDtos(rows: AllocationViewRow[]): Promise<AllocationDto[]> {
    const names = await this.cases.maskedVictims(rows.map((r) => r.victim_id));
    return rows.map((r) => ({
      id: r.id,
      recoveryId: r.recovery_id,
      victimId: r.victim_id,
      victimName: names.get(r.victim_id)?.name ?? '*',
      caseId: r.case_id,
      caseNo: r.case_no,
      method: r.method,
      amountFen: parseFenFromDb(r.amount_fen),
      confirmedAt: new Date(r.confirmed_at).toISOString(),
      ceremonyId: r.ceremony_id,
      signedAt: r.signed_at === null ? null : new Date(r.signed_at).toISOString(),
    }));
  }

  async get(actor: Actor, id: string): Promise<RecoveryDto> {
    const r = await this.repo.view(actor, id);
    if (!r) throw new NotFoundException('Recovery not found');
    const [allocations, open] = [
      await this.allocationDtos(await this.repo.allocationsOf(id)),
      await this.repo.lastProposal(id),
    ];
    return {
      ...this.toDto(r),
      allocations,
      openProposal: open
        ? await this.proposalDto(
            open,
            parseFenFromDb(r.amount_fen) - parseFenFromDb(r.allocated_fen),
          )
        : null,
    };
  }

  async list(actor: Actor, q: ListRecoveriesQuery): Promise<RecoveryPage> {
    const page = await this.repo.list(actor, q);
    return {
      items: page.items.map((r) => ({
        ...this.toDto(r),
        inScope: r.in_scope,
        ...(q.caseId ? { caseAllocatedFen: parseFenTotalFromDb(r.case_allocated_fen ?? '0') } : {}),
      })),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * What was frozen, recovered, allocated and returned for a case in the caller's scope, whichever
   * unit ran the orders: only this case's victims are shown (masked), never another case's.
   */
  async caseMoney(actor: Actor, caseId: string): Promise<CaseMoneyDto> {
    const c = await this.cases.findSummary(actor, caseId);
    if (!c) throw new NotFoundException('Case not found');
    const victims = await this.cases.maskedVictimsOf(actor, caseId);
    const transfers = await this.cases.transfersOf(caseId);
    const orders = await this.repo.caseOrders(caseId, [
      ...new Set(transfers.map((t) => t.identifierId)),
    ]);
    const rows = await this.repo.caseAllocations(caseId);
    const recoveredFen = parseFenTotalFromDb(
      await this.repo.recoveredFrom(orders.map((o) => o.id)),
    );
    const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());
    const allocations = rows.map((a) => ({
      victimId: a.victim_id,
      dto: {
        id: a.id,
        method: a.method,
        amountFen: parseFenFromDb(a.amount_fen),
        status:
          a.signed_at !== null
            ? ('returned' as const)
            : a.ceremony_id !== null
              ? ('at_ceremony' as const)
              : ('allocated' as const),
        confirmedAt: new Date(a.confirmed_at).toISOString(),
        recoveryId: a.recovery_id,
        recoveredOn: a.recovered_on,
        orderId: a.order_id,
        orderKind: a.order_kind,
        bankUnitId: a.bank_unit_id,
        bankName: a.bank_name,
        unitId: a.unit_id,
        unitName: a.unit_name,
        ceremonyId: a.ceremony_id,
        ceremonyTitle: a.ceremony_title,
        ceremonyHeldOn: a.ceremony_held_on,
        signedAt: iso(a.signed_at),
      },
    }));
    const returned = allocations.filter((a) => a.dto.status === 'returned');
    return {
      caseId: c.id,
      caseNo: c.caseNo,
      totals: {
        // Like the unit's totals: a stop-payment converted into a freeze is counted once.
        frozenFen: totalFen(
          orders
            .filter((o) => o.converted_from_id === null && o.status !== 'rejected')
            .map((o) => parseFenFromDb(o.frozen_fen ?? '0')),
        ),
        recoveredFen,
        allocatedFen: totalFen(allocations.map((a) => a.dto.amountFen)),
        returnedFen: totalFen(returned.map((a) => a.dto.amountFen)),
        victimsReturned: new Set(returned.map((a) => a.victimId)).size,
      },
      orders: orders.map((o) => ({
        id: o.id,
        kind: o.kind,
        status: o.status,
        identifierId: o.identifier_id,
        unitId: o.unit_id,
        unitName: o.unit_name,
        bankUnitId: o.bank_unit_id,
        bankName: o.bank_name,
        requestedFen: parseFenFromDb(o.requested_fen),
        frozenFen: o.frozen_fen === null ? null : parseFenFromDb(o.frozen_fen),
        recoveredFen: parseFenFromDb(o.recovered_fen),
        requestedAt: new Date(o.requested_at).toISOString(),
        expiresAt: iso(o.expires_at),
      })),
      victims: victims.map((v) => {
        const own = allocations.filter((a) => a.victimId === v.id).map((a) => a.dto);
        return {
          victimId: v.id,
          victimName: v.name,
          lossFen: totalFen(transfers.filter((t) => t.victimId === v.id).map((t) => t.amountFen)),
          allocatedFen: totalFen(own.map((a) => a.amountFen)),
          returnedFen: totalFen(own.filter((a) => a.status === 'returned').map((a) => a.amountFen)),
          allocations: own,
        };
      }),
    };
  }

  /**
   * 追回: money from a live freeze into custody. Σ recoveries ≤ the order's frozen amount: checked
   * here under the order's row lock, and again by the database (trigger + CHECK) for any writer.
   */
  async create(actor: Actor, dto: CreateRecoveryDto): Promise<RecoveryDto> {
    const id = await this.ds
      .transaction(async (em) => {
        const order = await this.orders.lockScoped(em, actor, dto.orderId);
        if (!order || actor.role === 'bank_liaison')
          throw new NotFoundException('Freeze order not found');
        if (order.kind !== 'freeze' || !isLive(order.status))
          throw conflict(
            `Money is recovered from a live freeze, not a ${order.status} ${order.kind} order`,
            [{ field: 'orderId', problem: `is a ${order.status} ${order.kind} order` }],
          );
        const frozen = parseFenFromDb(order.frozenFen);
        const left = frozen - parseFenFromDb(order.recoveredFen);
        if (dto.amountFen <= 0 || dto.amountFen > left)
          throw conflict(`Only ${left} of the ${frozen} fen frozen are left to recover`, [
            { field: 'amountFen', problem: `must be more than 0 and at most ${left}` },
          ]);
        const recoveryId = await this.repo.insert(em, {
          orderId: order.id,
          caseId: order.caseId,
          unitId: order.unitId,
          amountFen: dto.amountFen,
          recoveredOn: dto.recoveredOn,
          legalBasis: dto.legalBasis,
          custodyAccount: dto.custodyAccount ?? null,
          createdBy: actor.kind === 'user' ? actor.id : null,
        });
        await this.audit.record(em, {
          action: 'recovery.create',
          entity: 'recovery',
          entityId: recoveryId,
          details: { orderId: order.id, amountFen: dto.amountFen },
        });
        return recoveryId;
      })
      .catch((err: unknown) => {
        if (isCheckViolation(err))
          throw conflict('The recoveries of this order would pass its frozen amount');
        throw err;
      });
    return this.get(actor, id);
  }

  private async proposalDto(
    p: ProposalRow,
    availableFen: number,
    allocations?: AllocationDto[],
  ): Promise<AllocationProposalDto> {
    const names = await this.cases.maskedVictims(p.parts.map((x) => x.victimId));
    return {
      recoveryId: p.recovery_id,
      proposalId: p.id,
      method: p.method,
      status: p.status === 'confirmed' ? 'confirmed' : 'proposed',
      totalFen: parseFenFromDb(p.total_fen),
      availableFen,
      parts: p.parts.map((x) => ({
        victimId: x.victimId,
        victimName: names.get(x.victimId)?.name ?? '*',
        caseId: x.caseId,
        tracedFen: x.tracedFen,
        capFen: x.capFen,
        amountFen: x.amountFen,
      })),
      noticeRequired: needsNotice(p.method),
      proposedAt: new Date(p.proposed_at).toISOString(),
      noticeEndsAt: p.notice_ends_at === null ? null : new Date(p.notice_ends_at).toISOString(),
      confirmedAt: p.confirmed_at === null ? null : new Date(p.confirmed_at).toISOString(),
      ...(allocations ? { allocations } : {}),
    };
  }

  /**
   * 返还分配: proposes the split of what is left of the recovery (stored, so a public notice can
   * run), or with `confirm` stores it as allocations. A pro-rata split is confirmed only as it was
   * proposed and after its notice period (公示); a changed split must be proposed again.
   */
  async allocate(actor: Actor, id: string, confirm: boolean): Promise<AllocationProposalDto> {
    const result = await this.ds
      .transaction(async (em) => {
        const rec = await this.repo.lockScoped(em, actor, id);
        if (!rec) throw new NotFoundException('Recovery not found');
        const available = parseFenFromDb(rec.amountFen) - parseFenFromDb(rec.allocatedFen);
        if (available <= 0)
          throw conflict('This recovery is fully allocated', [
            { field: 'id', problem: 'nothing of the recovery is left to allocate' },
          ]);
        const order = await this.orders.lock(em, rec.orderId);
        if (!order) throw new NotFoundException('Freeze order not found');
        const rows = await this.repo.claims(em, order.identifierId);
        const caseOf = new Map(rows.map((r) => [r.victim_id, r.case_id]));
        const claims = rows.map((r) => ({
          victimId: r.victim_id,
          tracedFen: parseFenFromDb(r.traced_fen),
          capFen: Math.max(0, parseFenFromDb(r.loss_fen) - parseFenFromDb(r.returned_fen)),
        }));
        const plan = allocate(available, claims);
        if (plan.totalFen <= 0)
          throw conflict(
            'No victim may receive any of it: no traced transfer went into the account, or every such loss is already returned',
          );
        const capOf = new Map(claims.map((c) => [c.victimId, c]));
        const parts: StoredPart[] = plan.parts.map((p) => ({
          victimId: p.victimId,
          caseId: caseOf.get(p.victimId) as string,
          tracedFen: capOf.get(p.victimId)?.tracedFen ?? 0,
          capFen: capOf.get(p.victimId)?.capFen ?? 0,
          amountFen: p.amountFen,
        }));
        const now = this.clock.now();
        let open = await this.repo.openProposal(em, rec.id);
        if (open && !samePlan(open, plan)) {
          if (confirm && needsNotice(plan.method))
            throw conflict(
              'The split has changed since it was proposed (new transfers or returns); propose it again and let its public notice run',
            );
          await this.repo.supersede(em, open.id);
          open = null;
        }
        if (confirm && needsNotice(plan.method)) {
          if (!open)
            throw conflict(
              'A pro-rata split must first be proposed and publicly noticed (公示) before it is confirmed',
            );
          if (open.notice_ends_at && now < new Date(open.notice_ends_at))
            throw conflict(
              `The public notice (公示) runs until ${new Date(open.notice_ends_at).toISOString()}; confirm after it`,
              [{ field: 'confirm', problem: 'the public notice period has not passed' }],
            );
        }
        let created = false;
        if (!open) {
          open = await this.repo.insertProposal(em, {
            recoveryId: rec.id,
            method: plan.method,
            parts,
            totalFen: plan.totalFen,
            proposedAt: now,
            noticeEndsAt: needsNotice(plan.method)
              ? new Date(now.getTime() + this.config.recoveries.allocationNoticeDays * DAY_MS)
              : null,
            proposedBy: actor.kind === 'user' ? actor.id : null,
          });
          created = true;
        }
        if (!confirm) {
          if (created)
            await this.audit.record(em, {
              action: 'allocation.propose',
              entity: 'recovery',
              entityId: rec.id,
              details: { proposalId: open.id, method: plan.method, totalFen: plan.totalFen },
            });
          return { proposal: open, available, confirmed: false };
        }
        await this.repo.confirmProposal(em, open.id, now);
        await this.repo.insertAllocations(
          em,
          {
            recoveryId: rec.id,
            proposalId: open.id,
            unitId: rec.unitId,
            method: plan.method,
            at: now,
          },
          parts,
        );
        await this.audit.record(em, {
          action: 'allocation.confirm',
          entity: 'recovery',
          entityId: rec.id,
          details: {
            proposalId: open.id,
            method: plan.method,
            totalFen: plan.totalFen,
            parts: parts.map((p) => ({ victimId: p.victimId, amountFen: p.amountFen })),
          },
        });
        return {
          proposal: { ...open, status: 'confirmed' as const, confirmed_at: now },
          available,
          confirmed: true,
        };
      })
      .catch((err: unknown) => {
        if (isCheckViolation(err))
          throw conflict(
            'The allocation would pass the recovery or a victim’s loss not yet returned',
          );
        throw err;
      });
    const allocations = result.confirmed
      ? await this.allocationDtos(await this.repo.allocationsOf(id))
      : undefined;
    return this.proposalDto(result.proposal, result.available, allocations);
  }

  /** The figures of the caller's scope: sums over rows nothing bounds, so read as totals (money.ts). */
  async totals(actor: Actor): Promise<RecoveryTotalsDto> {
    const t = await this.repo.totals(actor);
    return {
      orders: t.orders,
      requestedFen: parseFenTotalFromDb(t.requested_fen),
      frozenFen: parseFenTotalFromDb(t.frozen_fen),
      heldFen: parseFenTotalFromDb(t.held_fen),
      recoveredFen: parseFenTotalFromDb(t.recovered_fen),
      allocatedFen: parseFenTotalFromDb(t.allocated_fen),
      returnedFen: parseFenTotalFromDb(t.returned_fen),
      victimsReturned: t.victims_returned,
      avgMinutesToRequest: t.avg_to_request,
      medianMinutesToRequest: t.median_to_request,
      avgMinutesToAnswer: t.avg_to_answer,
      medianMinutesToAnswer: t.median_to_answer,
    };
  }
}
