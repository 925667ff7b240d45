import { parseFenFromDb } from '../../common/money.js';
import type { CaseIdentifierRow, TimelineRow, TransferRow } from './cases.repository.js';
import type {
  CaseIdentifierDto,
  CaseSummaryDto,
  TimelineEntryDto,
  TransferDto,
} from './dto/case.dto.js';
import type { Case } from './entities/case.entity.js';

// Rows of the cases repository as the API answers them: one mapping per row type.

export function caseSummary(c: Case): CaseSummaryDto {
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

export function identifierDto(r: CaseIdentifierRow): CaseIdentifierDto {
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

export function transferDto(t: TransferRow): TransferDto {
  return {
    id: t.id,
    victimId: t.victim_id,
    identifierId: t.identifier_id,
    amountFen: parseFenFromDb(t.amount_fen),
    transferredAt: t.transferred_at.toISOString(),
    channel: t.channel,
  };
}

export function timelineEntry(r: TimelineRow): TimelineEntryDto {
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
