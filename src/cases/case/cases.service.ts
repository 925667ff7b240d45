import { Injectable, NotFoundException } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { inScope } from '../../common/auth/scope.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { badRequest, FieldProblem } from '../../common/http/errors.js';
import { MAX_CASE_LOSS_FEN } from '../../common/money.js';
import {
  checkCitizenId,
  checkMobile,
  normalizeIdentifier,
} from '../../common/validation/identifiers.js';
import { UnitsService } from '../../identity/index.js';
import { FraudTypesService } from '../fraud-types/fraud-types.service.js';
import {
  caseNumber,
  caseYear,
  failWith,
  LOSS_PROBLEM,
  NormalizedIdentifier,
  normalizeIdentifierInput,
  normalizeVictim,
  POLICE_UNITS,
} from './case-input.js';
import { caseSummary, identifierDto, timelineEntry, transferDto } from './case-mappers.js';
import { CasePartiesService } from './case-parties.service.js';
import { assertTransition } from './case-status.js';
import { CachedCaseView, CaseViewCache } from './case-view-cache.js';
import { CaseChanges, CasesRepository, CaseViewRow } from './cases.repository.js';
import {
  CaseDto,
  CasePage,
  CaseSummaryDto,
  CreateCaseDto,
  ListCasesQuery,
  SearchCasesDto,
  TimelineEntryDto,
  TransitionDto,
  UpdateCaseDto,
} from './dto/case.dto.js';
import { VictimPiiService } from './victim-pii.service.js';

/** The criteria of POST /cases/search, in the order its 400 names them. */
const SEARCH_CRITERIA = ['caseNo', 'idNumber', 'phone', 'q'] as const;

/**
 * A case itself: intake (接报, and drafts other parts of the feature open), its view, lists and
 * search, field updates, status transitions and its timeline. Its parties (victims, identifiers,
 * transfers) are CasePartiesService's.
 */
@Injectable()
export class CasesService {
  constructor(
    private readonly repo: CasesRepository,
    private readonly parties: CasePartiesService,
    private readonly fraudTypes: FraudTypesService,
    private readonly pii: VictimPiiService,
    private readonly units: UnitsService,
    private readonly audit: AuditService,
    private readonly views: CaseViewCache,
  ) {}

  /** The unit a new case belongs to: the given one (in scope, a police unit) or the caller's. */
  private async owningUnit(actor: Actor, unitId: string | undefined) {
    const unit = await this.units.findById(unitId ?? actor.unitId);
    if (!unit || !inScope(actor, unit.path))
      throw badRequest('unitId', 'is not a unit you may file cases for');
    if (!POLICE_UNITS.includes(unit.kind))
      throw badRequest('unitId', `must be a police unit, not ${unit.kind}`);
    return unit;
  }

  /** 接报: a case with its victims, identifiers and transfers, in one transaction. */
  async create(actor: Actor, dto: CreateCaseDto): Promise<CaseDto> {
    const problems: FieldProblem[] = [];
    const victims = (dto.victims ?? []).map((v, i) =>
      normalizeVictim(v, `victims[${i}]`, problems),
    );
    const identifiers = (dto.identifiers ?? []).map((v, i) =>
      normalizeIdentifierInput(v, `identifiers[${i}]`, problems),
    );
    let loss = 0;
    (dto.transfers ?? []).forEach((t, i) => {
      loss += t.amountFen; // at most 1000 × MAX_AMOUNT_FEN: exact
      if (loss > MAX_CASE_LOSS_FEN && loss - t.amountFen <= MAX_CASE_LOSS_FEN)
        problems.push({ field: `transfers[${i}].amountFen`, problem: LOSS_PROBLEM });
      if (t.victimIndex >= victims.length)
        problems.push({
          field: `transfers[${i}].victimIndex`,
          problem: `must point into victims (0-${victims.length - 1})`,
        });
      if (t.identifierIndex >= identifiers.length) {
        problems.push({
          field: `transfers[${i}].identifierIndex`,
          problem: `must point into identifiers (0-${identifiers.length - 1})`,
        });
      }
    });
    for (const [i, v] of (dto.victims ?? []).entries()) {
      const problem = await this.parties.communityProblem(v.communityUnitId);
      if (problem) problems.push({ field: `victims[${i}].communityUnitId`, problem });
    }
    if (!(await this.fraudTypes.exists(dto.fraudType)))
      problems.push({ field: 'fraudType', problem: 'is not a code of GET /fraud-types' });
    if (problems.length) failWith(problems);
    const unit = await this.owningUnit(actor, dto.unitId);
    const officerId = dto.officerId ?? (actor.kind === 'user' ? actor.id : null);
    if (dto.officerId && !(await this.repo.unitOfficerIn(unit.path, dto.officerId))) {
      throw badRequest('officerId', 'must be an active officer or supervisor of the owning unit');
    }

    const id = await this.repo.transaction(async (em) => {
      const year = caseYear(dto.reportedAt);
      const caseNo = caseNumber(unit.code, year, await this.repo.nextSequence(em, unit.id, year));
      const saved = await this.repo.insertCase(em, {
        caseNo,
        fraudType: dto.fraudType,
        status: 'reported',
        summary: dto.summary,
        reportedAt: new Date(dto.reportedAt),
        occurredAt: dto.occurredAt ? new Date(dto.occurredAt) : null,
        unitId: unit.id,
        officerId,
        lossFen: '0',
      });
      const { victimIds, identifierIds } = await this.parties.addAtIntake(em, saved.id, {
        victims: victims.map((plain, i) => ({
          plain,
          communityUnitId: dto.victims?.[i].communityUnitId ?? null,
        })),
        identifiers: identifiers.filter((i): i is NormalizedIdentifier => i !== null),
        transfers: dto.transfers ?? [],
      });
      await this.audit.record(em, {
        action: 'case.create',
        entity: 'case',
        entityId: saved.id,
        details: {
          caseNo,
          unitId: unit.id,
          victims: victimIds.length,
          identifiers: identifierIds.length,
          transfers: dto.transfers?.length ?? 0,
        },
      });
      return saved.id;
    });
    return this.get(actor, id, false);
  }

  /**
   * A case draft (status reported, no victims yet) opened by another part of the cases feature
   * inside its own transaction, e.g. a dissuasion task closed as already_paid (已被骗). The caller
   * has checked the unit is in its scope; the officer is the acting user. Returns the new case.
   */
  async createDraft(
    em: EntityManager,
    actor: Actor,
    draft: {
      unitId: string;
      fraudType: string;
      summary: string;
      reportedAt: Date;
      occurredAt: Date | null;
      identifiers: Omit<NormalizedIdentifier, 'luhnValid'>[];
      /** What the draft was made from, for the audit row (e.g. `{ dissuasionId }`). */
      source: Record<string, string>;
    },
  ): Promise<{ id: string; caseNo: string }> {
    const unit = await this.units.findById(draft.unitId, em);
    if (!unit || !POLICE_UNITS.includes(unit.kind))
      throw badRequest('unitId', 'must be a police unit');
    const year = caseYear(draft.reportedAt.toISOString());
    const caseNo = caseNumber(unit.code, year, await this.repo.nextSequence(em, unit.id, year));
    const saved = await this.repo.insertCase(em, {
      caseNo,
      fraudType: draft.fraudType,
      status: 'reported',
      summary: draft.summary,
      reportedAt: draft.reportedAt,
      occurredAt: draft.occurredAt,
      unitId: unit.id,
      officerId: actor.kind === 'user' ? actor.id : null,
      lossFen: '0',
    });
    const identifiers = draft.identifiers.map((i, n): NormalizedIdentifier => {
      const checked = normalizeIdentifier(i.kind, i.value);
      if (!checked.ok) throw badRequest(`identifiers[${n}].value`, checked.problem);
      return { ...i, value: checked.value, luhnValid: checked.luhnValid };
    });
    await this.parties.addAtIntake(em, saved.id, { victims: [], identifiers, transfers: [] });
    await this.audit.record(em, {
      action: 'case.create',
      entity: 'case',
      entityId: saved.id,
      details: {
        caseNo,
        unitId: unit.id,
        victims: 0,
        identifiers: draft.identifiers.length,
        transfers: 0,
        draft: true,
        ...draft.source,
      },
    });
    return { id: saved.id, caseNo };
  }

  private async getScoped(actor: Actor, id: string) {
    const c = await this.repo.findScoped(actor, id);
    if (!c) throw new NotFoundException('Case not found');
    return c;
  }

  /**
   * A case with its victims (masked), identifiers and transfers. The masked view comes from
   * memory when it can (CaseViewCache); `reveal` always reads the database and is audited.
   */
  async get(actor: Actor, id: string, reveal: boolean): Promise<CaseDto> {
    return reveal ? this.revealed(actor, id) : (await this.masked(actor, id)).dto;
  }

  /** The same as JSON, the body of GET /cases/:id: a cached view's was serialized once. */
  async getJson(actor: Actor, id: string, reveal: boolean): Promise<string> {
    return reveal
      ? JSON.stringify(await this.revealed(actor, id))
      : (await this.masked(actor, id)).json;
  }

  private async revealed(actor: Actor, id: string): Promise<CaseDto> {
    const view = await this.repo.view(id);
    if (!view || !inScope(actor, view.unitPath)) throw new NotFoundException('Case not found');
    this.parties.assertMayReveal(actor);
    if (view.victims.length) await this.parties.auditPiiRead(view.case.id, view.victims);
    return this.caseDto(view, true);
  }

  private async masked(actor: Actor, id: string): Promise<CachedCaseView> {
    const cached = await this.views.get(id, async () => {
      const view = await this.repo.view(id);
      if (!view) return null;
      const dto = this.caseDto(view, false);
      return { unitPath: view.unitPath, dto, json: JSON.stringify(dto) };
    });
    if (!cached || !inScope(actor, cached.unitPath)) throw new NotFoundException('Case not found');
    return cached;
  }

  private caseDto(view: CaseViewRow, reveal: boolean): CaseDto {
    return {
      ...caseSummary(view.case),
      victims: view.victims.map((v) => this.pii.toDto(v, reveal)),
      identifiers: view.identifiers.map(identifierDto),
      transfers: view.transfers.map(transferDto),
    };
  }

  async list(actor: Actor, q: ListCasesQuery): Promise<CasePage> {
    const page = await this.repo.list(actor, q);
    return { items: page.items.map(caseSummary), nextCursor: page.nextCursor };
  }

  /**
   * POST /cases/search (how police look a case up): by case number (whole or its beginning), a
   * victim's ID number or phone (normalized, then by blind index: nothing is decrypted) and
   * summary text; masked summaries like the case list. A search by ID number or phone is audited
   * with the kinds of criteria and what it found, never the values.
   */
  async search(actor: Actor, dto: SearchCasesDto): Promise<CasePage> {
    const criteria = SEARCH_CRITERIA.filter((k) => dto[k] !== undefined);
    if (!criteria.length)
      throw badRequest('body', `names no criterion; give one of ${SEARCH_CRITERIA.join(', ')}`);
    const problems: FieldProblem[] = [];
    let caseNoPrefix: string | undefined;
    if (dto.caseNo !== undefined) {
      caseNoPrefix = dto.caseNo.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
      if (!caseNoPrefix) problems.push({ field: 'caseNo', problem: 'must not be blank' });
    }
    let idNumberBidx: string | undefined;
    if (dto.idNumber !== undefined) {
      const r = checkCitizenId(dto.idNumber);
      if (r.ok) idNumberBidx = this.pii.cipher.blindIndex('id_number', r.value);
      else problems.push({ field: 'idNumber', problem: r.problem });
    }
    let phoneBidx: string | undefined;
    if (dto.phone !== undefined) {
      const r = checkMobile(dto.phone);
      if (r.ok) phoneBidx = this.pii.cipher.blindIndex('phone', r.value);
      else problems.push({ field: 'phone', problem: r.problem });
    }
    if (problems.length) failWith(problems);
    const page = await this.repo.search(
      actor,
      { caseNoPrefix, idNumberBidx, phoneBidx, text: dto.q },
      dto,
    );
    if (idNumberBidx !== undefined || phoneBidx !== undefined) {
      // Before answering: a PII search that could not be audited answers nothing.
      await this.audit.record(this.repo.manager, {
        action: 'case.search_pii',
        entity: 'case',
        details: {
          criteria,
          results: page.items.length,
          caseIds: page.items.map((c) => c.id),
          nextPage: page.nextCursor !== null,
        },
      });
    }
    return { items: page.items.map(caseSummary), nextCursor: page.nextCursor };
  }

  async update(actor: Actor, id: string, dto: UpdateCaseDto): Promise<CaseDto> {
    if (Object.keys(dto).length === 0) throw badRequest('body', 'names no field to change');
    if (dto.fraudType !== undefined && !(await this.fraudTypes.exists(dto.fraudType)))
      throw badRequest('fraudType', 'is not a code of GET /fraud-types');
    await this.parties.changeCase(id, async (em) => {
      const c = await this.repo.findScoped(actor, id, em, true);
      if (!c) throw new NotFoundException('Case not found');
      if (dto.officerId !== undefined) {
        const unit = await this.units.findById(c.unitId);
        if (!unit || !(await this.repo.unitOfficerIn(unit.path, dto.officerId))) {
          throw badRequest(
            'officerId',
            'must be an active officer or supervisor of the owning unit',
          );
        }
      }
      const changes: CaseChanges = {};
      if (dto.fraudType !== undefined) changes.fraudType = dto.fraudType;
      if (dto.summary !== undefined) changes.summary = dto.summary;
      if (dto.occurredAt !== undefined)
        changes.occurredAt = dto.occurredAt === null ? null : new Date(dto.occurredAt);
      if (dto.officerId !== undefined) changes.officerId = dto.officerId;
      await this.repo.updateCase(em, id, changes);
      await this.audit.record(em, {
        action: 'case.update',
        entity: 'case',
        entityId: id,
        details: { fields: Object.keys(changes) },
      });
    });
    return this.get(actor, id, false);
  }

  /** A status change; illegal ones are 409 (case-status.ts). */
  async transition(actor: Actor, id: string, dto: TransitionDto): Promise<CaseSummaryDto> {
    const updated = await this.parties.changeCase(id, async (em) => {
      const c = await this.repo.findScoped(actor, id, em, true);
      if (!c) throw new NotFoundException('Case not found');
      assertTransition(c.status, dto.to);
      await this.repo.setStatus(em, id, dto.to);
      await this.repo.insertTransition(em, {
        caseId: id,
        from: c.status,
        to: dto.to,
        reason: dto.reason,
        actorId: actor.kind === 'user' ? actor.id : null,
      });
      await this.audit.record(em, {
        action: 'case.transition',
        entity: 'case',
        entityId: id,
        details: { from: c.status, to: dto.to },
      });
      return this.repo.findById(em, id);
    });
    return caseSummary(updated);
  }

  async addNote(actor: Actor, id: string, body: string): Promise<TimelineEntryDto> {
    const row = await this.repo.transaction(async (em) => {
      const c = await this.repo.findScoped(actor, id, em);
      if (!c) throw new NotFoundException('Case not found');
      const note = await this.repo.insertNote(
        em,
        id,
        actor.kind === 'user' ? actor.id : null,
        body,
      );
      await this.audit.record(em, {
        action: 'case.note',
        entity: 'case',
        entityId: id,
        details: { noteId: note.id },
      });
      return note;
    });
    return timelineEntry(row);
  }

  async timeline(actor: Actor, id: string, onlyNotes = false): Promise<TimelineEntryDto[]> {
    await this.getScoped(actor, id);
    return (await this.repo.timeline(id, onlyNotes)).map(timelineEntry);
  }
}
