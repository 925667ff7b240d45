import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { FraudType, FraudTypesService } from '../fraud-types/fraud-types.service.js';
import { caseSummary } from './case-mappers.js';
import { CasePartiesService } from './case-parties.service.js';
import { CasesRepository } from './cases.repository.js';
import type { CaseIdentifierDto, CaseSummaryDto, TransferDto, VictimDto } from './dto/case.dto.js';
import { VictimPiiService } from './victim-pii.service.js';

/** A victim as another module's printed sheet names it: masked, with the case. */
export interface MaskedVictim {
  caseId: string;
  name: string;
  idNumber: string | null;
}

/**
 * What other modules (recoveries, alerts, reports) may know of cases: small reads that check the
 * caller's scope where they take an actor, and answer DTOs, never entities or rows. The one
 * service the cases feature publishes (src/cases/index.ts).
 */
@Injectable()
export class CaseFactsService {
  constructor(
    private readonly repo: CasesRepository,
    private readonly parties: CasePartiesService,
    private readonly fraudTypes: FraudTypesService,
    private readonly pii: VictimPiiService,
  ) {}

  /** A case's summary if the caller's scope includes it, else null. */
  async findSummary(actor: Actor, id: string): Promise<CaseSummaryDto | null> {
    const c = await this.repo.findScoped(actor, id);
    return c ? caseSummary(c) : null;
  }

  /** Whether the case exists and the caller's scope includes it. */
  async existsInScope(actor: Actor, id: string): Promise<boolean> {
    return (await this.repo.findScoped(actor, id)) !== null;
  }

  /** The identifiers a case names (no scope check: the caller has made it). */
  identifiersOf(caseId: string): Promise<CaseIdentifierDto[]> {
    return this.parties.identifiersOf(caseId);
  }

  /** The victims' transfers of a case (no scope check: the caller has made it). */
  transfersOf(caseId: string): Promise<TransferDto[]> {
    return this.parties.transfersOf(caseId);
  }

  /** A case's victims, masked; 404 when the caller's scope does not include the case. */
  maskedVictimsOf(actor: Actor, caseId: string): Promise<VictimDto[]> {
    return this.parties.victims(actor, caseId, false);
  }

  /** Victims by id, masked (name, ID number), with their case: for sheets other modules print. */
  async maskedVictims(ids: string[]): Promise<Map<string, MaskedVictim>> {
    const victims = await this.repo.victimsByIds(ids);
    return new Map(
      victims.map((v) => {
        const dto = this.pii.toDto(v, false);
        return [v.id, { caseId: v.caseId, name: dto.name, idNumber: dto.idNumber }];
      }),
    );
  }

  /**
   * Whether a checked, normalized citizen ID number is the victim's, by blind index (nothing is
   * decrypted). Null when the victim has no ID number on file.
   */
  async victimIdNumberMatches(
    victimId: string,
    idNumber: string,
    em?: EntityManager,
  ): Promise<boolean | null> {
    const v = await this.repo.victimById(victimId, em);
    if (!v?.idNumberBidx) return null;
    return v.idNumberBidx === this.pii.cipher.blindIndex('id_number', idNumber);
  }

  /** The fraud-type code list (诈骗类型), with labels and typical scripts. */
  fraudTypeList(): Promise<FraudType[]> {
    return this.fraudTypes.list();
  }

  /** One fraud type by code (its label and typical script, for warnings), or null. */
  fraudType(code: string): Promise<FraudType | null> {
    return this.fraudTypes.byCode(code);
  }

  /** Whether a fraud-type code exists. */
  fraudTypeExists(code: string): Promise<boolean> {
    return this.fraudTypes.exists(code);
  }
}
