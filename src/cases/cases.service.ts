import { ForbiddenException, HttpStatus, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../common/auth/actor.js';
import { PII_ROLES } from '../common/auth/roles.js';
import { inScope } from '../common/auth/scope.js';
import { AuditService } from '../common/audit/audit.service.js';
import { ApiError, badRequest, FieldProblem } from '../common/http/errors.js';
import { MAX_CASE_LOSS_FEN, parseFenFromDb } from '../common/money.js';
import {
  checkCitizenId,
  checkMobile,
  IdentifierKind,
  normalizeIdentifier,
} from '../common/validation/identifiers.js';
import { UnitKind, UnitsService } from '../identity/index.js';
import { assertTransition } from './case-status.js';
import { CaseViewCache } from './case-view-cache.js';
import {
  CaseIdentifierRow,
  CasesRepository,
  CaseViewRow,
  TimelineRow,
  TransferRow,
} from './cases.repository.js';
import {
  AddVictimTransferDto,
  CaseDto,
  CaseIdentifierDto,
  CasePage,
  CaseSummaryDto,
  CreateCaseDto,
  IdentifierInput,
  ListCasesQuery,
  SearchCasesDto,
  TimelineEntryDto,
  TransferDto,
  TransitionDto,
  UpdateCaseDto,
  VictimDto,
  VictimInput,
} from './dto/case.dto.js';
import { Case } from './entities/case.entity.js';
import { Victim } from './entities/victim.entity.js';
import { VictimPiiService, VictimPlain } from './victim-pii.service.js';

const POLICE_UNITS: UnitKind[] = [
  UnitKind.CityBureau,
  UnitKind.SubBureau,
  UnitKind.Brigade,
  UnitKind.Station,
];

/** The criteria of POST /cases/search, in the order its 400 names them. */
const SEARCH_CRITERIA = ['caseNo', 'idNumber', 'phone', 'q'] as const;

interface NormalizedIdentifier {
  kind: IdentifierKind;
  value: string;
  bankName: string | null;
  luhnValid: boolean | null;
  role: string;
  note: string | null;
}

/**
 * A case's loss is bounded (money.ts); the database refuses more too (cases_loss_fen_max), but the
 * service checks first so that the answer names the amount that passes it.
 */
const LOSS_PROBLEM = `would bring the case's loss past ${MAX_CASE_LOSS_FEN} fen (1000亿元)`;

/** The year a case is numbered in: the report date in China's time zone. */
function caseYear(reportedAt: string): number {
  return Number(
    new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(
      new Date(reportedAt),
    ),
  );
}

@Injectable()
export class CasesService {
  constructor(
    private readonly repo: CasesRepository,
    private readonly pii: VictimPiiService,
    private readonly units: UnitsService,
    private readonly audit: AuditService,
    private readonly views: CaseViewCache,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  /**
   * The one way to change what a case's view shows (the case row, its victims, identifiers and
   * transfers): one transaction, after which this process's cached view is dropped at once (other
   * processes hear of it from the triggers).
   */
  private async changeCase<T>(id: string, work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.ds.transaction(work);
    } finally {
      this.views.invalidate(id);
    }
  }

  /** Checks and normalizes victims' PII; problems are collected with their field paths. */
  private normalizeVictim(v: VictimInput, path: string, problems: FieldProblem[]): VictimPlain {
    let idNumber: string | null = null;
    if (v.idNumber !== undefined) {
      const r = checkCitizenId(v.idNumber);
      if (r.ok) idNumber = r.value;
      else problems.push({ field: `${path}.idNumber`, problem: r.problem });
    }
    let phone: string | null = null;
    if (v.phone !== undefined) {
      const r = checkMobile(v.phone);
      if (r.ok) phone = r.value;
      else problems.push({ field: `${path}.phone`, problem: r.problem });
    }
    return { name: v.name.trim(), idNumber, phone, address: v.address?.trim() ?? null };
  }

  private normalizeIdentifierInput(
    i: IdentifierInput,
    path: string,
    problems: FieldProblem[],
  ): NormalizedIdentifier | null {
    const r = normalizeIdentifier(i.kind, i.value);
    if (!r.ok) {
      problems.push({ field: `${path}.value`, problem: r.problem });
      return null;
    }
    return {
      kind: i.kind,
      value: r.value,
      bankName: i.bankName?.trim() ?? null,
      luhnValid: r.luhnValid,
      role: i.role ?? 'other',
      note: i.note ?? null,
    };
  }

  private fail(problems: FieldProblem[]): never {
    throw new ApiError(
      HttpStatus.BAD_REQUEST,
      problems.map((p) => `${p.field} ${p.problem}`).join('; '),
      problems,
    );
  }

  /**
   * Why a victim's community (社区) is refused, or null: it must name a unit of kind community,
   * anywhere (a victim may live outside the unit's area).
   */
  private async communityProblem(id: string | undefined): Promise<string | null> {
    if (id === undefined) return null;
    const unit = await this.units.findById(id);
    if (!unit) return 'does not name an existing unit';
    if (unit.kind !== UnitKind.Community)
      return `must be a community (社区) unit, not ${unit.kind}`;
    return null;
  }

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
      this.normalizeVictim(v, `victims[${i}]`, problems),
    );
    const identifiers = (dto.identifiers ?? []).map((v, i) =>
      this.normalizeIdentifierInput(v, `identifiers[${i}]`, problems),
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
      const problem = await this.communityProblem(v.communityUnitId);
      if (problem) problems.push({ field: `victims[${i}].communityUnitId`, problem });
    }
    if (!(await this.repo.fraudTypeExists(dto.fraudType)))
      problems.push({ field: 'fraudType', problem: 'is not a code of GET /fraud-types' });
    if (problems.length) this.fail(problems);
    const unit = await this.owningUnit(actor, dto.unitId);
    const officerId = dto.officerId ?? (actor.kind === 'user' ? actor.id : null);
    if (dto.officerId && !(await this.repo.unitOfficerIn(unit.path, dto.officerId))) {
      throw badRequest('officerId', 'must be an active officer or supervisor of the owning unit');
    }

    const id = await this.ds.transaction(async (em) => {
      const seq = await this.repo.nextSequence(em, unit.id, caseYear(dto.reportedAt));
      const caseNo = `${unit.code}-${caseYear(dto.reportedAt)}-${String(seq).padStart(6, '0')}`;
      const saved = await em.getRepository(Case).save(
        em.getRepository(Case).create({
          caseNo,
          fraudType: dto.fraudType,
          status: 'reported',
          summary: dto.summary,
          reportedAt: new Date(dto.reportedAt),
          occurredAt: dto.occurredAt ? new Date(dto.occurredAt) : null,
          unitId: unit.id,
          officerId,
          lossFen: '0',
        }),
      );
      const victimIds: string[] = [];
      for (const [i, v] of victims.entries()) {
        const row = await em.getRepository(Victim).save(
          em.getRepository(Victim).create({
            caseId: saved.id,
            communityUnitId: dto.victims?.[i].communityUnitId ?? null,
            ...this.pii.encrypt(v),
          }),
        );
        victimIds.push(row.id);
      }
      const identifierIds: string[] = [];
      for (const i of identifiers) {
        if (!i) continue;
        const identifierId = await this.repo.upsertIdentifier(em, i);
        await this.repo.linkIdentifier(em, saved.id, identifierId, i.role, i.note);
        identifierIds.push(identifierId);
      }
      for (const t of dto.transfers ?? []) {
        await this.repo.insertTransfer(em, {
          caseId: saved.id,
          victimId: victimIds[t.victimIndex],
          identifierId: identifierIds[t.identifierIndex],
          amountFen: t.amountFen,
          transferredAt: t.transferredAt,
          channel: t.channel,
        });
      }
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

  private async getScoped(actor: Actor, id: string): Promise<Case> {
    const c = await this.repo.findScoped(actor, id);
    if (!c) throw new NotFoundException('Case not found');
    return c;
  }

  private summary(c: Case): CaseSummaryDto {
    return {
      id: c.id,
      caseNo: c.caseNo,
      fraudType: c.fraudType,
      status: c.status,
      summary: c.summary,
      reportedAt: c.reportedAt.toISOString(),
      occurredAt: c.occurredAt?.toISOString() ?? null,
      unitId: c.unitId,
      officerId: c.officerId,
      lossFen: parseFenFromDb(c.lossFen),
      createdAt: c.createdAt.toISOString(),
      updatedAt: c.updatedAt.toISOString(),
    };
  }

  /** Whether this caller may see victim PII in clear, when asking for it. */
  private assertMayReveal(actor: Actor): void {
    if (!PII_ROLES.includes(actor.role))
      throw new ForbiddenException(`Role ${actor.role} may not see victim PII`);
  }

  async victimsOf(
    actor: Actor,
    c: Case,
    reveal: boolean,
    em: EntityManager = this.ds.manager,
  ): Promise<VictimDto[]> {
    if (reveal) this.assertMayReveal(actor);
    const victims = await this.repo.victims(c.id, em);
    if (reveal && victims.length) await this.auditPiiRead(c.id, victims);
    return victims.map((v) => this.pii.toDto(v, reveal));
  }

  private auditPiiRead(caseId: string, victims: Victim[]): Promise<unknown> {
    return this.audit.record(this.ds.manager, {
      action: 'victim.pii_read',
      entity: 'case',
      entityId: caseId,
      details: { victimIds: victims.map((v) => v.id) },
    });
  }

  async identifiersOf(caseId: string): Promise<CaseIdentifierDto[]> {
    return (await this.repo.identifiers(caseId)).map((r) => this.identifierDto(r));
  }

  async transfersOf(caseId: string): Promise<TransferDto[]> {
    return (await this.repo.transfers(caseId)).map((t) => this.transferDto(t));
  }

  private identifierDto(r: CaseIdentifierRow): CaseIdentifierDto {
    return {
      id: r.id,
      kind: r.kind,
      value: r.value,
      bankName: r.bank_name,
      luhnValid: r.luhn_valid,
      role: r.role,
      note: r.note,
    };
  }

  private transferDto(t: TransferRow): TransferDto {
    return {
      id: t.id,
      victimId: t.victim_id,
      identifierId: t.identifier_id,
      amountFen: parseFenFromDb(t.amount_fen),
      transferredAt: t.transferred_at.toISOString(),
      channel: t.channel,
    };
  }

  /**
   * A case with its victims (masked), identifiers and transfers. The masked view comes from
   * memory when it can (CaseViewCache); `reveal` always reads the database and is audited.
   */
  async get(actor: Actor, id: string, reveal: boolean): Promise<CaseDto> {
    if (reveal) {
      const view = await this.repo.view(id);
      if (!view || !inScope(actor, view.unitPath)) throw new NotFoundException('Case not found');
      this.assertMayReveal(actor);
      if (view.victims.length) await this.auditPiiRead(view.case.id, view.victims);
      return this.caseDto(view, true);
    }
    const cached = await this.views.get(id, async () => {
      const view = await this.repo.view(id);
      return view && { unitPath: view.unitPath, dto: this.caseDto(view, false) };
    });
    if (!cached || !inScope(actor, cached.unitPath)) throw new NotFoundException('Case not found');
    return cached.dto;
  }

  private caseDto(view: CaseViewRow, reveal: boolean): CaseDto {
    return {
      ...this.summary(view.case),
      victims: view.victims.map((v) => this.pii.toDto(v, reveal)),
      identifiers: view.identifiers.map((r) => this.identifierDto(r)),
      transfers: view.transfers.map((t) => this.transferDto(t)),
    };
  }

  async list(actor: Actor, q: ListCasesQuery) {
    const page = await this.repo.list(actor, q);
    return { items: page.items.map((c) => this.summary(c)), nextCursor: page.nextCursor };
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
    if (problems.length) this.fail(problems);
    const page = await this.repo.search(
      actor,
      { caseNoPrefix, idNumberBidx, phoneBidx, text: dto.q },
      dto,
    );
    if (idNumberBidx !== undefined || phoneBidx !== undefined) {
      // Before answering: a PII search that could not be audited answers nothing.
      await this.audit.record(this.ds.manager, {
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
    return { items: page.items.map((c) => this.summary(c)), nextCursor: page.nextCursor };
  }

  async update(actor: Actor, id: string, dto: UpdateCaseDto): Promise<CaseDto> {
    if (Object.keys(dto).length === 0) throw badRequest('body', 'names no field to change');
    if (dto.fraudType !== undefined && !(await this.repo.fraudTypeExists(dto.fraudType)))
      throw badRequest('fraudType', 'is not a code of GET /fraud-types');
    await this.changeCase(id, async (em) => {
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
      const changes: Partial<Case> = {};
      if (dto.fraudType !== undefined) changes.fraudType = dto.fraudType;
      if (dto.summary !== undefined) changes.summary = dto.summary;
      if (dto.occurredAt !== undefined)
        changes.occurredAt = dto.occurredAt === null ? null : new Date(dto.occurredAt);
      if (dto.officerId !== undefined) changes.officerId = dto.officerId;
      await em.getRepository(Case).update({ id }, changes);
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
    const updated = await this.changeCase(id, async (em) => {
      const c = await this.repo.findScoped(actor, id, em, true);
      if (!c) throw new NotFoundException('Case not found');
      assertTransition(c.status, dto.to);
      await em.getRepository(Case).update({ id }, { status: dto.to });
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
      return em.getRepository(Case).findOneByOrFail({ id });
    });
    return this.summary(updated);
  }

  async addNote(actor: Actor, id: string, body: string): Promise<TimelineEntryDto> {
    const row = await this.ds.transaction(async (em) => {
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
    return this.timelineEntry(row);
  }

  private timelineEntry(r: TimelineRow): TimelineEntryDto {
    return {
      type: r.type,
      id: r.id,
      at: new Date(r.at).toISOString(),
      actorId: r.actor_id,
      text: r.text,
      ...(r.type === 'transition'
        ? { from: r.from_status ?? undefined, to: r.to_status ?? undefined }
        : {}),
    };
  }

  async timeline(actor: Actor, id: string, onlyNotes = false): Promise<TimelineEntryDto[]> {
    await this.getScoped(actor, id);
    return (await this.repo.timeline(id, onlyNotes)).map((r) => this.timelineEntry(r));
  }

  async addVictim(actor: Actor, id: string, dto: VictimInput): Promise<VictimDto> {
    const problems: FieldProblem[] = [];
    const plain = this.normalizeVictim(dto, 'body', problems);
    const community = await this.communityProblem(dto.communityUnitId);
    if (community) problems.push({ field: 'body.communityUnitId', problem: community });
    if (problems.length)
      this.fail(problems.map((p) => ({ ...p, field: p.field.replace(/^body\./, '') })));
    const victim = await this.changeCase(id, async (em) => {
      const c = await this.repo.findScoped(actor, id, em, true);
      if (!c) throw new NotFoundException('Case not found');
      const v = await em.getRepository(Victim).save(
        em.getRepository(Victim).create({
          caseId: id,
          communityUnitId: dto.communityUnitId ?? null,
          ...this.pii.encrypt(plain),
        }),
      );
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
    const n = this.normalizeIdentifierInput(dto, 'body', problems);
    if (!n) this.fail(problems.map((p) => ({ ...p, field: p.field.replace(/^body\./, '') })));
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

  async fraudTypes() {
    return (await this.repo.listFraudTypes()).map((t) => ({
      code: t.code,
      labelZh: t.label_zh,
      labelEn: t.label_en,
      validFrom: t.valid_from,
      validTo: t.valid_to,
      typicalScript: t.typical_script,
    }));
  }

  /** For the controller's read of one case's victims. */
  async victims(actor: Actor, id: string, reveal: boolean): Promise<VictimDto[]> {
    return this.victimsOf(actor, await this.getScoped(actor, id), reveal);
  }

  async identifiers(actor: Actor, id: string): Promise<CaseIdentifierDto[]> {
    await this.getScoped(actor, id);
    return this.identifiersOf(id);
  }

  async transfers(actor: Actor, id: string): Promise<TransferDto[]> {
    await this.getScoped(actor, id);
    return this.transfersOf(id);
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
    const unit = await this.units.findById(draft.unitId);
    if (!unit || !POLICE_UNITS.includes(unit.kind))
      throw badRequest('unitId', 'must be a police unit');
    const year = caseYear(draft.reportedAt.toISOString());
    const seq = await this.repo.nextSequence(em, unit.id, year);
    const caseNo = `${unit.code}-${year}-${String(seq).padStart(6, '0')}`;
    const saved = await em.getRepository(Case).save(
      em.getRepository(Case).create({
        caseNo,
        fraudType: draft.fraudType,
        status: 'reported',
        summary: draft.summary,
        reportedAt: draft.reportedAt,
        occurredAt: draft.occurredAt,
        unitId: unit.id,
        officerId: actor.kind === 'user' ? actor.id : null,
        lossFen: '0',
      }),
    );
    for (const [n, i] of draft.identifiers.entries()) {
      const checked = normalizeIdentifier(i.kind, i.value);
      if (!checked.ok) throw badRequest(`identifiers[${n}].value`, checked.problem);
      const identifierId = await this.repo.upsertIdentifier(em, {
        ...i,
        value: checked.value,
        luhnValid: checked.luhnValid,
      });
      await this.repo.linkIdentifier(em, saved.id, identifierId, i.role, i.note);
    }
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

  // For other modules (recoveries): small reads, never the entities themselves.

  /** A case's summary if the caller's scope includes it, else null. */
  async findSummary(actor: Actor, id: string): Promise<CaseSummaryDto | null> {
    const c = await this.repo.findScoped(actor, id);
    return c ? this.summary(c) : null;
  }

  /** Victims by id, masked (name, ID number), with their case: for sheets other modules print. */
  async maskedVictims(
    ids: string[],
  ): Promise<Map<string, { caseId: string; name: string; idNumber: string | null }>> {
    if (!ids.length) return new Map();
    const victims = await this.ds
      .getRepository(Victim)
      .createQueryBuilder('v')
      .where('v.id IN (:...ids)', { ids: [...new Set(ids)] })
      .getMany();
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
  async victimIdNumberMatches(victimId: string, idNumber: string): Promise<boolean | null> {
    const v = await this.ds.getRepository(Victim).findOneBy({ id: victimId });
    if (!v?.idNumberBidx) return null;
    return v.idNumberBidx === this.pii.cipher.blindIndex('id_number', idNumber);
  }
}
