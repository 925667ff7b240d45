import { HttpStatus } from '@nestjs/common';
import { ApiError, FieldProblem } from '../../common/http/errors.js';
import { MAX_CASE_LOSS_FEN } from '../../common/money.js';
import {
  checkCitizenId,
  checkMobile,
  IdentifierKind,
  normalizeIdentifier,
} from '../../common/validation/identifiers.js';
import { UnitKind } from '../../identity/index.js';
import type { IdentifierInput, VictimInput } from './dto/case.dto.js';
import type { VictimPlain } from './victim-pii.service.js';

/** The unit kinds a case may belong to. */
export const POLICE_UNITS: UnitKind[] = [
  UnitKind.CityBureau,
  UnitKind.SubBureau,
  UnitKind.Brigade,
  UnitKind.Station,
];

export interface NormalizedIdentifier {
  kind: IdentifierKind;
  value: string;
  bankName: string | null;
  luhnValid: boolean | null;
  role: string;
  note: string | null;
}

/**
 * A case's loss is bounded (money.ts); the database refuses more too (cases_loss_fen_max), but the
 * services check first so that the answer names the amount that passes it.
 */
export const LOSS_PROBLEM = `would bring the case's loss past ${MAX_CASE_LOSS_FEN} fen (1000亿元)`;

/** The year a case is numbered in: the report date in China's time zone. */
export function caseYear(reportedAt: string): number {
  return Number(
    new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(
      new Date(reportedAt),
    ),
  );
}

/** A case number: the unit's code, the year, a six-digit sequence. */
export function caseNumber(unitCode: string, year: number, seq: number): string {
  return `${unitCode}-${year}-${String(seq).padStart(6, '0')}`;
}

/** Checks and normalizes victims' PII; problems are collected with their field paths. */
export function normalizeVictim(
  v: VictimInput,
  path: string,
  problems: FieldProblem[],
): VictimPlain {
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

export function normalizeIdentifierInput(
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

/** One 400 naming every problem found. */
export function failWith(problems: FieldProblem[]): never {
  throw new ApiError(
    HttpStatus.BAD_REQUEST,
    problems.map((p) => `${p.field} ${p.problem}`).join('; '),
    problems,
  );
}

/** Problems of a request whose body is the one item: `body.x` is named `x`. */
export function failWithBody(problems: FieldProblem[]): never {
  failWith(problems.map((p) => ({ ...p, field: p.field.replace(/^body\./, '') })));
}
