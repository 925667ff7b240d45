import { isPositive, length } from 'class-validator';
import type { FieldProblem } from '../../common/http/errors.js';
import { FEN_PROBLEM, isValidFen } from '../../common/money.js';
import { dateTimeProblem, parseDateTime, PAST_EVENT } from '../../common/validation/date-time.js';
import { checkBankCard } from '../../common/validation/identifiers.js';

/** A flag that passed every check, normalized for storing and matching. */
export interface NormalizedFlag {
  externalRef: string;
  /** Digits only, as identifiers store bank cards, so the payee matches by equality. */
  payerAccount: string;
  payerName: string | null;
  payeeAccount: string;
  payeeName: string | null;
  payeeBank: string | null;
  amountFen: number;
  occurredAt: Date;
  reason: string;
}

export type FlagCheck =
  | { ok: true; flag: NormalizedFlag }
  | { ok: false; externalRef: string | null; problems: FieldProblem[] };

/** A rule of one field: its problem, or null when the value passes. */
type Rule = (value: unknown) => string | null;

/**
 * `@IsString() @Length(min, max)`, with class-validator's message. Decorators run bottom-up and
 * the DTO's validation stopped at the first error, so Length (which refuses a non-string too) is
 * the only one ever reported; its message reads the value's `length` whatever the value is.
 */
function text(min: number, max: number): Rule {
  return (value) => {
    // class-validator's own predicate: a surrogate pair or an emoji presentation counts once.
    if (length(value, min, max)) return null;
    const size = (value as { length?: unknown } | null | undefined)?.length as number;
    if (!value || size < min) return `must be longer than or equal to ${min} characters`;
    if (size > max) return `must be shorter than or equal to ${max} characters`;
    return `must be longer than or equal to ${min} and shorter than or equal to ${max} characters`;
  };
}

/** `@IsOptional()`: null or missing skips the field's rules. */
const optional =
  (rule: Rule): Rule =>
  (value) =>
    value === null || value === undefined ? null : rule(value);

/**
 * The rules of TransferFlagInput (dto/transfer-flags.dto.ts), in the order of its fields, one
 * problem per field (its first failing decorator, bottom-up). Written out by hand because
 * class-validator's validateSync was a quarter of ingest's CPU time; transfer-flag-input.spec.ts
 * checks on random flags that both give the same answers, so change the DTO and this together.
 */
const RULES: readonly (readonly [string, Rule])[] = [
  ['payerAccount', text(1, 40)],
  ['payerName', optional(text(1, 50))],
  ['payeeAccount', text(1, 40)],
  ['payeeName', optional(text(1, 50))],
  ['payeeBank', optional(text(1, 100))],
  // @IsFen() @IsPositive({ message: 'must be more than 0' })
  [
    'amountFen',
    (v) => (!isPositive(v) ? 'must be more than 0' : isValidFen(v) ? null : FEN_PROBLEM),
  ],
  // @IsDateTime(PAST_EVENT)
  ['occurredAt', (v) => dateTimeProblem(v, PAST_EVENT)],
  ['reason', text(1, 500)],
  ['externalRef', text(1, 100)],
];

/** Every field of TransferFlagInput; anything else in a flag is refused. */
const FIELDS: ReadonlySet<string> = new Set(RULES.map(([field]) => field));

/** The fields that are strings once their rule passed (all but amountFen). */
const STRING_FIELDS = RULES.map(([field]) => field).filter((f) => f !== 'amountFen');

/** The values of a flag's own known fields; what passed its rule has the type the DTO says. */
interface FlagFields {
  payerAccount: string;
  payerName?: string;
  payeeAccount: string;
  payeeName?: string;
  payeeBank?: string;
  amountFen: number;
  occurredAt: string;
  reason: string;
  externalRef: string;
}

const trimmedOrNull = (s: string | undefined): string | null => {
  const t = s?.trim();
  return t ? t : null;
};

/** The problems of a flag's known fields (its own keys only), by the DTO's rules. */
export type FieldRules = (values: Record<string, unknown>) => FieldProblem[];

/** The hand-written rules, one problem per failing field. */
const ruleProblems: FieldRules = (values) =>
  RULES.flatMap(([field, rule]) => {
    const problem = rule(values[field]);
    return problem === null ? [] : [{ field, problem }];
  });

/**
 * Checks one flag of a request with the DTO's rules (unknown fields refused), then normalizes the
 * accounts like bank-card identifiers. Problems name the field inside the flag (`payeeAccount`),
 * the answer's `index` says which flag.
 */
export function checkFlagInput(raw: unknown): FlagCheck {
  return checkFlagWith(raw, ruleProblems);
}

/**
 * `checkFlagInput` with the field rules given: the spec runs it with class-validator's to prove the
 * hand-written rules answer the same; everything around the rules is this one code.
 */
export function checkFlagWith(raw: unknown, fieldRules: FieldRules): FlagCheck {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      externalRef: null,
      problems: [{ field: 'flag', problem: 'must be an object' }],
    };
  }
  const record = raw as Record<string, unknown>;
  const externalRef = typeof record.externalRef === 'string' ? record.externalRef : null;
  // Own keys only, like the DTO instance built from them: no key of the body reaches a prototype.
  const values: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(record)) {
    if (FIELDS.has(key)) values[key] = record[key];
    else problems.push({ field: key, problem: 'should not exist' });
  }
  const ruled = fieldRules(values);
  problems.push(...ruled);
  const failed = new Set(ruled.map((p) => p.field));
  // A NUL cannot be stored in a text column; refuse it here rather than fail the whole batch.
  for (const field of STRING_FIELDS) {
    const v = values[field];
    if (typeof v === 'string' && v.includes('\u0000') && !failed.has(field)) {
      problems.push({ field, problem: 'must not contain U+0000' });
      failed.add(field);
    }
  }
  const input = values as unknown as FlagFields;
  let payerAccount = '';
  let payeeAccount = '';
  if (!failed.has('payerAccount')) {
    const c = checkBankCard(input.payerAccount);
    if (c.ok) payerAccount = c.value;
    else problems.push({ field: 'payerAccount', problem: c.problem });
  }
  if (!failed.has('payeeAccount')) {
    const c = checkBankCard(input.payeeAccount);
    if (c.ok) payeeAccount = c.value;
    else problems.push({ field: 'payeeAccount', problem: c.problem });
  }
  if (!failed.has('reason') && !input.reason.trim()) {
    problems.push({ field: 'reason', problem: 'must not be blank' });
  }
  if (problems.length) return { ok: false, externalRef, problems };
  return {
    ok: true,
    flag: {
      externalRef: input.externalRef,
      payerAccount,
      payerName: trimmedOrNull(input.payerName),
      payeeAccount,
      payeeName: trimmedOrNull(input.payeeName),
      payeeBank: trimmedOrNull(input.payeeBank),
      amountFen: input.amountFen,
      // Its rule passed: an RFC 3339 date-time.
      occurredAt: parseDateTime(input.occurredAt)!,
      reason: input.reason.trim(),
    },
  };
}
