import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { PII_ROLES } from '../../common/auth/roles.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { conflict } from '../../common/http/errors.js';
import { parseFenFromDb } from '../../common/money.js';
import { maskName } from '../../common/pii/mask.js';
import { CasesService } from '../case/cases.service.js';
import {
  AddContactDto,
  DissuasionDto,
  DissuasionOutcomeDto,
  DissuasionPage,
  ListDissuasionsQuery,
} from '../transfer-flags/dto/transfer-flags.dto.js';
import { Dissuasion } from './entities/dissuasion.entity.js';
import { draftSummary } from '../transfer-flags/transfer-flag-rules.js';
import { DissuasionsRepository } from './dissuasions.repository.js';

/**
 * Dissuasion tasks (预警劝阻): listed for the units they are assigned to, contacted, closed with
 * an outcome; already_paid opens a case draft through CasesService in the same transaction.
 */
@Injectable()
export class DissuasionsService {
  constructor(
    private readonly repo: DissuasionsRepository,
    private readonly cases: CasesService,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  private async toDtos(
    actor: Actor,
    tasks: Dissuasion[],
    em: EntityManager = this.ds.manager,
  ): Promise<DissuasionDto[]> {
    const ids = tasks.map((d) => d.id);
    const details = await this.repo.dissuasionDetails(ids, em);
    const contacts = await this.repo.contactsOf(ids, em);
    const showPayer = PII_ROLES.includes(actor.role);
    const now = Date.now();
    return tasks.map((d) => {
      const x = details.get(d.id);
      return {
        id: d.id,
        flagId: d.flagId,
        identifierId: d.identifierId,
        payeeAccount: x?.payee_account ?? '',
        payerAccount: d.payerAccount,
        payerName: d.payerName === null || showPayer ? d.payerName : maskName(d.payerName),
        amountFen: x ? parseFenFromDb(x.amount_fen) : 0,
        occurredAt: x ? new Date(x.occurred_at).toISOString() : '',
        bankName: x?.bank_name ?? '',
        riskGrade: d.riskGrade,
        unitId: d.unitId,
        dueAt: d.dueAt.toISOString(),
        overdue: d.status === 'open' && d.firstContactAt === null && d.dueAt.getTime() < now,
        status: d.status,
        outcome: d.outcome,
        outcomeNote: d.outcomeNote,
        firstContactAt: d.firstContactAt?.toISOString() ?? null,
        timeToFirstContactSeconds: d.firstContactAt
          ? Math.max(0, Math.floor((d.firstContactAt.getTime() - d.createdAt.getTime()) / 1000))
          : null,
        escalatedAt: d.escalatedAt?.toISOString() ?? null,
        closedAt: d.closedAt?.toISOString() ?? null,
        draftCaseId: d.draftCaseId,
        contacts: contacts
          .filter((c) => c.dissuasion_id === d.id)
          .map((c) => ({
            id: c.id,
            method: c.method,
            note: c.note,
            actorId: c.actor_id,
            createdAt: new Date(c.created_at).toISOString(),
          })),
        createdAt: d.createdAt.toISOString(),
      };
    });
  }

  async list(actor: Actor, q: ListDissuasionsQuery): Promise<DissuasionPage> {
    const page = await this.repo.listDissuasions(actor, q);
    return { items: await this.toDtos(actor, page.items), nextCursor: page.nextCursor };
  }

  private async one(actor: Actor, id: string): Promise<DissuasionDto> {
    const task = await this.repo.findDissuasionScoped(actor, id);
    if (!task) throw new NotFoundException('Dissuasion task not found');
    const [dto] = await this.toDtos(actor, [task]);
    return dto;
  }

  /** A contact attempt (电话、上门…); the first one sets the time to first contact. */
  async addContact(actor: Actor, id: string, dto: AddContactDto): Promise<DissuasionDto> {
    await this.ds.transaction(async (em) => {
      const task = await this.repo.findDissuasionScoped(actor, id, em, true);
      if (!task) throw new NotFoundException('Dissuasion task not found');
      if (task.status === 'closed') throw conflict('This dissuasion task is already closed');
      const contactId = await this.repo.insertContact(em, {
        dissuasionId: id,
        method: dto.method,
        note: dto.note ?? null,
        actorId: actor.kind === 'user' ? actor.id : null,
      });
      await this.audit.record(em, {
        action: 'dissuasion.contact',
        entity: 'dissuasion',
        entityId: id,
        details: { contactId, method: dto.method, first: task.firstContactAt === null },
      });
    });
    return this.one(actor, id);
  }

  /** Closes the task; already_paid (已被骗) drafts a case linked to the payee account. */
  async close(actor: Actor, id: string, dto: DissuasionOutcomeDto): Promise<DissuasionDto> {
    await this.ds.transaction(async (em) => {
      const task = await this.repo.findDissuasionScoped(actor, id, em, true);
      if (!task) throw new NotFoundException('Dissuasion task not found');
      if (task.status === 'closed') {
        throw conflict(`This dissuasion task is already closed (${task.outcome ?? 'closed'})`);
      }
      let draftCaseId: string | null = null;
      if (dto.outcome === 'already_paid') {
        const flag = await this.repo.flagOf(em, task.flagId);
        const bankName = (await this.repo.dissuasionDetails([id], em)).get(id)?.bank_name ?? '';
        if (!flag) throw new NotFoundException('The flag of this task is gone');
        const draft = await this.cases.createDraft(em, actor, {
          unitId: task.unitId,
          fraudType: 'other',
          summary: draftSummary({
            bankName,
            externalRef: flag.externalRef,
            payerAccount: flag.payerAccount,
            payeeAccount: flag.payeeAccount,
            amountFen: parseFenFromDb(flag.amountFen),
            occurredAt: flag.occurredAt,
            reason: flag.reason,
          }),
          reportedAt: new Date(),
          occurredAt: flag.occurredAt,
          identifiers: [
            {
              kind: 'bank_card',
              value: flag.payeeAccount,
              bankName: flag.payeeBank,
              role: 'receiving_account',
              note: `可疑交易预警 ${flag.externalRef}`,
            },
          ],
          source: { dissuasionId: id, flagId: flag.id },
        });
        draftCaseId = draft.id;
      }
      const closed = await this.repo.close(em, {
        id,
        outcome: dto.outcome,
        note: dto.note ?? null,
        closedBy: actor.kind === 'user' ? actor.id : null,
        draftCaseId,
      });
      if (!closed) throw conflict('This dissuasion task is already closed');
      await this.audit.record(em, {
        action: 'dissuasion.close',
        entity: 'dissuasion',
        entityId: id,
        details: { outcome: dto.outcome, draftCaseId },
      });
    });
    return this.one(actor, id);
  }
}
