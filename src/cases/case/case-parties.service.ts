import { ForbiddenException, HttpStatus, Injectable, NotFoundException } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { PII_ROLES } from '../../common/auth/roles.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { ApiError, badRequest, FieldProblem } from '../../common/http/errors.js';
import { MAX_CASE_LOSS_FEN, parseFenFromDb } from '../../common/money.js';
import { UnitsService } from '../../identity/index.js';
import { UnitKind } from '../../identity/index.js';
import {
  failWithBody,
  LOSS_PROBLEM,
  NormalizedIdentifier,
  normalizeIdentifierInput,
  normalizeVictim,
} from './case-input.js';
import { identifierDto, transferDto } from './case-mappers.js';
import { CaseViewCache } from './case-view-cache.js';
import { CasesRepository } from './cases.repository.js';
import {
  AddVictimTransferDto,
  CaseIdentifierDto,
  IdentifierInput,
  TransferDto,
  VictimDto,
  VictimInput,
} from './dto/case.dto.js';
import { Case } from './entities/case.entity.js';
import { Victim } from './entities/victim.entity.js';
import { VictimPiiService, VictimPlain } from './victim-pii.service.js';

/** A transfer as intake gives it: victim and identifier by their index in the same request. */
export interface IntakeTransfer {
  victimIndex: number;
  identifierIndex: number;
  amountFen: number;
  transferredAt: string;
  channel: string;
}

/**
 * A case's parties: its victims (PII encrypted, shown masked unless revealed and audited), the
 * identifiers it names (shared rows, linked per case) and the victims' transfers to them.
 */
@Injectable()
export class CasePartiesService {
  constructor(
    private readonly repo: CasesRepository,
    private readonly pii: VictimPiiService,
    private readonly units: UnitsService,
    private readonly audit: AuditService,
    private readonly views: CaseViewCache,
  ) {}

  /**
   * The one way to change what a case's view shows (the case row, its victims, identifiers and
   * transfers): one transaction, after which this process's cached view is dropped at once (other
   * processes hear of it from the triggers).
   */
  async changeCase<T>(id: string, work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.repo.transaction(work);
    } finally {
      this.views.invalidate(id);
    }
  }

  /**
   * Why a victim's community (社区) is refused, or null: it must name a unit of kind community,
   * anywhere (a victim may live outside the unit's area).
   */
  async communityProblem(id: string | undefined): Promise<string | null> {
    if (id === undefined) return null;
    const unit = await this.units.findById(id);
    if (!unit) return 'does not name an existing unit';
    if (unit.kind !== UnitKind.Community)
      return `must be a community (社区) unit, not ${unit.kind}`;
    return null;
  }

  /**
   * A new case's parties, inside intake's transaction: victims, identifiers (shared rows linked to
   * the case) and transfers pointing at them by index. Returns the ids written.
   */
  async addAtIntake(
    em: EntityManager,
    caseId: string,
    parties: {
      victims: { plain: VictimPlain; communityUnitId: string | null }[];
      identifiers: NormalizedIdentifier[];
      transfers: IntakeTransfer[];
    },
  ): Promise<{ victimIds: string[]; identifierIds: string[] }> {
    const victimIds: string[] = [];
    for (const v of parties.victims) {
      const row = await this.repo.insertVictim(em, {
        caseId,
        communityUnitId: v.communityUnitId,
        ...this.pii.encrypt(v.plain),
      });
      victimIds.push(row.id);
    }
    const identifierIds: string[] = [];
    for (const i of parties.identifiers) {
      const identifierId = await this.repo.upsertIdentifier(em, i);
      await this.repo.linkIdentifier(em, caseId, identifierId, i.role, i.note);
      identifierIds.push(identifierId);
    }
    for (const t of parties.transfers) {
      await this.repo.insertTransfer(em, {
        caseId,
        victimId: victimIds[t.victimIndex],
        identifierId: identifierIds[t.identifierIndex],
        amountFen: t.amountFen,
        transferredAt: t.transferredAt,
        channel: t.channel,
      });
    }
    return { victimIds, identifierIds };
  }

  private async getScoped(actor: Actor, id: string): Promise<Case> {
    const c = await this.repo.findScoped(actor, id);
    if (!c) throw new NotFoundException('Case not found');
    return c;
  }

  /** Whether this caller may see victim PII in clear, when asking for it. */
  assertMayReveal(actor: Actor): void {
    if (!PII_ROLES.includes(actor.role))
      throw new ForbiddenException(`Role ${actor.role} may not see victim PII`);
  }

  auditPiiRead(caseId: string, victims: Victim[]): Promise<unknown> {
    return this.audit.record(this.repo.manager, {
      action: 'victim.pii_read',
      entity: 'case',
      entityId: caseId,
      details: { victimIds: victims.map((v) => v.id) },
    });
  }

  /** One case's victims, masked unless revealed (which is audited). */
  async victims(actor: Actor, id: string, reveal: boolean): Promise<VictimDto[]> {
    const c = await this.getScoped(actor, id);
    if (reveal) this.assertMayReveal(actor);
    const victims = await this.repo.victims(c.id);
    if (reveal && victims.length) await this.auditPiiRead(c.id, victims);
    return victims.map((v) => this.pii.toDto(v, reveal));
  }

  async identifiers(actor: Actor, id: string): Promise<CaseIdentifierDto[]> {
    await this.getScoped(actor, id);
    return this.identifiersOf(id);
  }

  async transfers(actor: Actor, id: string): Promise<TransferDto[]> {
    await this.getScoped(actor, id);
    return this.transfersOf(id);
  }

  async identifiersOf(caseId: string): Promise<CaseIdentifierDto[]> {
    return (await this.repo.identifiers(caseId)).map(identifierDto);
  }

  async transfersOf(caseId: string): Promise<TransferDto[]> {
    return (await this.repo.transfers(caseId)).map(transferDto);
  }

  async addVictim(actor: Actor, id: string, dto: VictimInput): Promise<VictimDto> {
    const problems: FieldProblem[] = [];
    const plain = normalizeVictim(dto, 'body', problems);
    const community = await this.communityProblem(dto.communityUnitId);
    if (community) problems.push({ field: 'body.communityUnitId', problem: community });
    if (problems.length) failWithBody(problems);
    const victim = await this.changeCase(id, async (em) => {
      const c = await this.repo.findScoped(actor, id, em, true);
      if (!c) throw new NotFoundException('Case not found');
      const v = await this.repo.insertVictim(em, {
        caseId: id,
        communityUnitId: dto.communityUnitId ?? null,
        ...this.pii.encrypt(plain),
      });
      await this.audit.record(em, {
        action: 'victim.create',
        entity: 'victim',
        entityId: v.id,
        details: { caseId: id },
      });
      return v;
    });
    return this.pii.toDto(victim, false);
  }

  async linkIdentifier(
    actor: Actor,
    id: string,
    dto: IdentifierInput,
  ): Promise<CaseIdentifierDto[]> {
    const problems: FieldProblem[] = [];
    const n = normalizeIdentifierInput(dto, 'body', problems);
    if (!n) failWithBody(problems);
    await this.changeCase(id, async (em) => {
      const c = await this.repo.findScoped(actor, id, em, true);
      if (!c) throw new NotFoundException('Case not found');
      const identifierId = await this.repo.upsertIdentifier(em, n);
      if (!(await this.repo.linkIdentifier(em, id, identifierId, n.role, n.note))) {
        throw new ApiError(HttpStatus.CONFLICT, 'This case already names that identifier', [
          { field: 'value', problem: 'is already linked to this case' },
        ]);
      }
      await this.audit.record(em, {
        action: 'case.identifier_link',
        entity: 'case',
        entityId: id,
        details: { identifierId, kind: n.kind },
      });
    });
    return this.identifiersOf(id);
  }

  /** Correcting a value means unlinking it and linking another; the shared row never changes. */
  async unlinkIdentifier(
    actor: Actor,
    id: string,
    identifierId: string,
  ): Promise<CaseIdentifierDto[]> {
    await this.changeCase(id, async (em) => {
      const c = await this.repo.findScoped(actor, id, em, true);
      if (!c) throw new NotFoundException('Case not found');
      if ((await this.repo.transferCountForIdentifier(em, id, identifierId)) > 0) {
        throw new ApiError(
          HttpStatus.CONFLICT,
          'Transfers of this case went to that identifier; remove them first',
        );
      }
      if (!(await this.repo.unlinkIdentifier(em, id, identifierId)))
        throw new NotFoundException('This case does not name that identifier');
      await this.audit.record(em, {
        action: 'case.identifier_unlink',
        entity: 'case',
        entityId: id,
        details: { identifierId },
      });
    });
    return this.identifiersOf(id);
  }

  async addTransfer(actor: Actor, id: string, dto: AddVictimTransferDto): Promise<TransferDto[]> {
    await this.changeCase(id, async (em) => {
      const c = await this.repo.findScoped(actor, id, em, true);
      if (!c) throw new NotFoundException('Case not found');
      // Under the case's row lock, so concurrent transfers line up behind this check.
      if (parseFenFromDb(c.lossFen) + dto.amountFen > MAX_CASE_LOSS_FEN)
        throw badRequest('amountFen', LOSS_PROBLEM);
      const victims = await this.repo.victims(id, em);
      if (!victims.some((v) => v.id === dto.victimId))
        throw badRequest('victimId', 'is not a victim of this case');
      const ids = await this.repo.identifiers(id, em);
      if (!ids.some((i) => i.id === dto.identifierId))
        throw badRequest('identifierId', 'is not linked to this case');
      const transferId = await this.repo.insertTransfer(em, { caseId: id, ...dto });
      await this.audit.record(em, {
        action: 'case.transfer_create',
        entity: 'case',
        entityId: id,
        details: { transferId, amountFen: dto.amountFen },
      });
    });
    return this.transfersOf(id);
  }
}
