import { Injectable, NotFoundException } from '@nestjs/common';
import type { Actor } from '../../common/auth/actor.js';
import { badRequest } from '../../common/http/errors.js';
import { parseFenFromDb, parseFenTotalFromDb } from '../../common/money.js';
import { IdentifierKind, normalizeIdentifier } from '../../common/validation/identifiers.js';
import {
  CaseLinksDto,
  DEFAULT_LINK_DEPTH,
  IdentifierLookupDto,
  LinkedCaseDto,
  LinkStepDto,
} from './dto/links.dto.js';
import { LinkHopRow, LinkRow, LinksRepository } from './links.repository.js';

/** At most this many linked cases per answer: a hub account can link thousands. */
export const LINKS_LIMIT = 500;
/** At most this many cases listed by an identifier lookup (the counts cover all of them). */
export const LOOKUP_CASES_LIMIT = 500;

/**
 * The two steps of a hop: the identifier, then the case it leads to. Hidden parts carry nothing but
 * what the repository let through (null id and value; a case's unit).
 */
function hopSteps(hop: LinkHopRow): LinkStepDto[] {
  const identifier: LinkStepDto = hop.identifier_visible
    ? { type: 'identifier', visible: true, id: hop.identifier_id, kind: hop.kind, value: hop.value }
    : { type: 'identifier', visible: false, id: null, kind: null, value: null };
  const unit = { id: hop.unit_id, name: hop.unit_name };
  const kase: LinkStepDto = hop.case_visible
    ? { type: 'case', visible: true, id: hop.case_id, caseNo: hop.case_no, unit }
    : { type: 'case', visible: false, id: null, caseNo: null, unit };
  return [identifier, kase];
}

function linkedCase(row: LinkRow): LinkedCaseDto {
  const unit = { id: row.unit_id, name: row.unit_name };
  const path = row.hops.flatMap(hopSteps);
  if (!row.visible) return { id: null, visible: false, unit, depth: row.depth, path };
  return {
    id: row.id,
    visible: true,
    unit,
    depth: row.depth,
    path,
    caseNo: row.case_no ?? undefined,
    status: row.status ?? undefined,
    fraudType: row.fraud_type ?? undefined,
    summary: row.summary ?? undefined,
    lossFen: parseFenFromDb(row.loss_fen),
    reportedAt: row.reported_at?.toISOString(),
  };
}

/** Cross-case linking (串并案) through shared identifiers, and identifier lookup. */
@Injectable()
export class LinksService {
  constructor(private readonly repo: LinksRepository) {}

  /** Cases linked to one in the caller's scope, up to `depth` hops; out-of-scope ones only as "exists, unit X". */
  async links(actor: Actor, caseId: string, depth = DEFAULT_LINK_DEPTH): Promise<CaseLinksDto> {
    const rows = await this.repo.links(actor, caseId, depth, LINKS_LIMIT + 1);
    const start = rows.find((r) => r.depth === 0);
    if (!start?.visible || !start.id || !start.case_no)
      throw new NotFoundException('Case not found');
    const linked = rows.filter((r) => r.depth > 0);
    return {
      caseId: start.id,
      caseNo: start.case_no,
      depth,
      linked: linked.slice(0, LINKS_LIMIT).map(linkedCase),
      limit: LINKS_LIMIT,
      truncated: linked.length > LINKS_LIMIT,
    };
  }

  /**
   * Which cases name an account, phone, … (normalized as cases store it): those in scope, how many
   * elsewhere (a count only, so the officer knows whom to ask), and the loss traced into it by the
   * cases in scope.
   */
  async lookup(actor: Actor, kind: IdentifierKind, rawValue: string): Promise<IdentifierLookupDto> {
    const normalized = normalizeIdentifier(kind, rawValue);
    if (!normalized.ok) throw badRequest('value', normalized.problem);
    const found = await this.repo.findIdentifier(actor, kind, normalized.value);
    if (!found) throw new NotFoundException('No case names this identifier');
    const cases =
      found.in_scope > 0
        ? await this.repo.casesNaming(actor, found.id, LOOKUP_CASES_LIMIT + 1)
        : [];
    return {
      identifier: {
        id: found.id,
        kind: found.kind,
        value: found.value,
        bankName: found.bank_name,
        luhnValid: found.luhn_valid,
        createdAt: found.created_at.toISOString(),
      },
      cases: cases.slice(0, LOOKUP_CASES_LIMIT).map((c) => ({
        id: c.id,
        caseNo: c.case_no,
        status: c.status,
        unit: { id: c.unit_id, name: c.unit_name },
        role: c.role,
        reportedAt: c.reported_at.toISOString(),
      })),
      inScopeCaseCount: found.in_scope,
      outOfScopeCaseCount: found.out_of_scope,
      totalLossFen: parseFenTotalFromDb(found.total_loss_fen),
      truncated: cases.length > LOOKUP_CASES_LIMIT,
    };
  }
}
