import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { inScope } from '../../common/auth/scope.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { Clock } from '../../common/clock.js';
import { ApiError, badRequest, conflict } from '../../common/http/errors.js';
import { parseFenFromDb, parseFenTotalFromDb, totalFen } from '../../common/money.js';
import { checkCitizenId } from '../../common/validation/identifiers.js';
import { CaseFactsService } from '../../cases/index.js';
import { UnitKind, UnitsService } from '../../identity/index.js';
import { CeremoniesRepository, CeremonyRow } from './ceremonies.repository.js';
import { SheetLine, sheetCsv, sheetHtml } from './ceremony-sheet.js';
import {
  AttachAllocationsDto,
  CeremonyDto,
  CeremonyPage,
  CreateCeremonyDto,
  ListCeremoniesQuery,
  SignAllocationDto,
} from './dto/ceremony.dto.js';
import { RecoveriesService } from '../recoveries/recoveries.service.js';
import { HttpStatus } from '@nestjs/common';

const POLICE_UNITS: UnitKind[] = [
  UnitKind.CityBureau,
  UnitKind.SubBureau,
  UnitKind.Brigade,
  UnitKind.Station,
];

/** 发还仪式: confirmed allocations handed back, each signed for by its victim. */
@Injectable()
export class CeremoniesService {
  constructor(
    private readonly repo: CeremoniesRepository,
    private readonly recoveries: RecoveriesService,
    private readonly cases: CaseFactsService,
    private readonly units: UnitsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  private summary(r: CeremonyRow): CeremonyDto {
    return {
      id: r.id,
      title: r.title,
      heldOn: r.held_on,
      venue: r.venue,
      hostUnitId: r.host_unit_id,
      hostUnitName: r.host_unit_name,
      createdAt: new Date(r.created_at).toISOString(),
    };
  }

  private async scoped(actor: Actor, id: string): Promise<CeremonyRow> {
    const row = await this.repo.view(actor, id);
    if (!row) throw new NotFoundException('Ceremony not found');
    return row;
  }

  async create(actor: Actor, dto: CreateCeremonyDto): Promise<CeremonyDto> {
    const unit = await this.units.findById(dto.hostUnitId ?? actor.unitId);
    if (!unit || !inScope(actor, unit.path))
      throw badRequest('hostUnitId', 'is not a unit you may host a ceremony for');
    if (!POLICE_UNITS.includes(unit.kind))
      throw badRequest('hostUnitId', `must be a police unit, not ${unit.kind}`);
    const id = await this.ds.transaction(async (em) => {
      const ceremonyId = await this.repo.insert(em, {
        title: dto.title,
        heldOn: dto.heldOn,
        venue: dto.venue,
        hostUnitId: unit.id,
        createdBy: actor.kind === 'user' ? actor.id : null,
      });
      await this.audit.record(em, {
        action: 'ceremony.create',
        entity: 'ceremony',
        entityId: ceremonyId,
        details: { title: dto.title, heldOn: dto.heldOn, hostUnitId: unit.id },
      });
      return ceremonyId;
    });
    return this.get(actor, id);
  }

  async list(actor: Actor, q: ListCeremoniesQuery): Promise<CeremonyPage> {
    const page = await this.repo.list(actor, q);
    return { items: page.items.map((r) => this.summary(r)), nextCursor: page.nextCursor };
  }

  /** The ceremony with its allocations (victims masked) and totals. */
  async get(actor: Actor, id: string): Promise<CeremonyDto> {
    const row = await this.scoped(actor, id);
    const rows = await this.repo.allocations(id);
    const allocations = await this.recoveries.allocationDtos(rows);
    const byType = await this.repo.byFraudType(id);
    const signed = allocations.filter((a) => a.signedAt !== null);
    return {
      ...this.summary(row),
      totals: {
        amountFen: totalFen(allocations.map((a) => a.amountFen)),
        signedFen: totalFen(signed.map((a) => a.amountFen)),
        victims: new Set(allocations.map((a) => a.victimId)).size,
        signedVictims: new Set(signed.map((a) => a.victimId)).size,
        cases: new Set(allocations.map((a) => a.caseId)).size,
        byFraudType: byType.map((t) => ({
          fraudType: t.fraud_type,
          label: t.label,
          amountFen: parseFenTotalFromDb(t.amount_fen),
          victims: t.victims,
          cases: t.cases,
        })),
      },
      allocations,
    };
  }

  /** Attaches confirmed allocations; each is returned at most once (409 if already at a ceremony). */
  async attach(actor: Actor, id: string, dto: AttachAllocationsDto): Promise<CeremonyDto> {
    const ids = [...new Set(dto.allocationIds)];
    await this.ds.transaction(async (em) => {
      const ceremony = await this.repo.view(actor, id, em, true);
      if (!ceremony) throw new NotFoundException('Ceremony not found');
      const found = await this.repo.lockAllocations(em, actor, ids);
      const byId = new Map(found.map((a) => [a.id, a]));
      const missing = dto.allocationIds.findIndex((a) => !byId.has(a));
      if (missing >= 0)
        throw badRequest(`allocationIds[${missing}]`, 'is not a confirmed allocation you may see');
      const taken = dto.allocationIds.findIndex((a) => byId.get(a)?.ceremonyId);
      if (taken >= 0) {
        const other = byId.get(dto.allocationIds[taken])?.ceremonyId;
        throw conflict(
          `An allocation is returned at most once: ${dto.allocationIds[taken]} is already at ceremony ${other}`,
          [{ field: `allocationIds[${taken}]`, problem: 'is already attached to a ceremony' }],
        );
      }
      const n = await this.repo.attach(em, id, ids);
      if (n !== ids.length) throw conflict('An allocation was attached elsewhere meanwhile');
      await this.audit.record(em, {
        action: 'ceremony.attach',
        entity: 'ceremony',
        entityId: id,
        details: { allocationIds: ids },
      });
    });
    return this.get(actor, id);
  }

  /**
   * 签收: the victim signs for the allocation; the signer's ID number must be the victim's
   * (compared by blind index, so it is neither decrypted nor stored).
   */
  async sign(
    actor: Actor,
    id: string,
    allocationId: string,
    dto: SignAllocationDto,
  ): Promise<CeremonyDto> {
    const checked = checkCitizenId(dto.idNumber);
    if (!checked.ok) throw badRequest('idNumber', checked.problem);
    await this.ds.transaction(async (em) => {
      const ceremony = await this.repo.view(actor, id, em);
      if (!ceremony) throw new NotFoundException('Ceremony not found');
      const allocation = await this.repo.lockAttached(em, id, allocationId);
      if (!allocation) throw new NotFoundException('This ceremony has no such allocation');
      if (allocation.signedAt) throw conflict('This allocation has already been signed for');
      // On this transaction's connection: a second one from the pool, taken while this one is
      // held, left concurrent signings waiting on each other once they held the whole pool.
      const match = await this.cases.victimIdNumberMatches(allocation.victimId, checked.value, em);
      if (match === null)
        throw conflict('The victim has no ID number on file to check the signer against', [
          { field: 'idNumber', problem: 'cannot be checked: the victim has no ID number on file' },
        ]);
      if (!match)
        throw new ApiError(HttpStatus.BAD_REQUEST, 'idNumber is not the victim’s ID number', [
          { field: 'idNumber', problem: 'is not the victim’s ID number' },
        ]);
      await this.repo.markSigned(
        em,
        allocationId,
        this.clock.now(),
        actor.kind === 'user' ? actor.id : null,
      );
      await this.audit.record(em, {
        action: 'allocation.sign',
        entity: 'allocation',
        entityId: allocationId,
        details: { ceremonyId: id, victimId: allocation.victimId },
      });
    });
    return this.get(actor, id);
  }

  /** 发还签收表: HTML to print, or CSV; victims masked. */
  async sheet(
    actor: Actor,
    id: string,
    format: 'html' | 'csv',
  ): Promise<{ type: string; body: string; filename: string }> {
    const row = await this.scoped(actor, id);
    const rows = await this.repo.allocations(id);
    const victims = await this.cases.maskedVictims(rows.map((r) => r.victim_id));
    const lines: SheetLine[] = rows.map((r) => ({
      caseNo: r.case_no,
      victimName: victims.get(r.victim_id)?.name ?? '*',
      idNumber: victims.get(r.victim_id)?.idNumber ?? null,
      amountFen: parseFenFromDb(r.amount_fen),
      signedAt: r.signed_at === null ? null : new Date(r.signed_at),
    }));
    if (format === 'csv')
      return {
        type: 'text/csv; charset=utf-8',
        body: sheetCsv(lines),
        filename: `ceremony-${id}.csv`,
      };
    return {
      type: 'text/html; charset=utf-8',
      body: sheetHtml(
        {
          title: row.title,
          heldOn: row.held_on,
          venue: row.venue,
          hostUnitName: row.host_unit_name,
        },
        lines,
      ),
      filename: `ceremony-${id}.html`,
    };
  }
}
