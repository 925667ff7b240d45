import { ValidateBy, ValidationOptions } from 'class-validator';

/**
 * Times and dates of the API (docs/ARCHITECTURE.md, API conventions: ISO 8601 with offset). A date-time is
 * RFC 3339: `2026-11-21T09:30:00+08:00` or `…Z`, seconds required, fraction optional; no week or
 * ordinal dates, no basic format, no local times. Each field also has a sane range, so nothing
 * stored can later fail to read back (a year 0 is 1 BC to PostgreSQL and no Date to JavaScript).
 *
 * The problems are short English phrases that complete "<field> <problem>" (see FieldProblem).
 */

const DAY_MS = 86_400_000;

/**
 * "Now" for the ranges: the app's Clock (business time, which tests move), wired in createApp;
 * the wall clock until then. Decorators cannot take injected services, hence this one hook.
 */
let businessNowMs: () => number = () => Date.now();
export function useClockForDates(nowMs: () => number): void {
  businessNowMs = nowMs;
}
const EXAMPLE = 'e.g. 2026-11-21T09:30:00+08:00';
const NOT_RFC_3339 = `must be an RFC 3339 date-time with an offset, ${EXAMPLE}`;

export interface DateTimeRange {
  /** The earliest instant allowed (an RFC 3339 date-time). */
  min: string;
  /** The latest instant allowed, fixed… */
  max?: string;
  /** …or this long after now. */
  maxFromNowMs?: number;
}

/**
 * When a fraud happened or was reported, or money moved in it: from 2000-01-01 (China time; no
 * case of this system is older) to a day from now (clocks and time zones of the sender).
 */
export const PAST_EVENT: DateTimeRange = {
  min: '2000-01-01T00:00:00+08:00',
  maxFromNowMs: DAY_MS,
};

/** When something is to happen (a warning published later): up to a year ahead. */
export const SCHEDULED: DateTimeRange = {
  min: '2000-01-01T00:00:00+08:00',
  maxFromNowMs: 366 * DAY_MS,
};

/** A bound of a search filter: anything from 2000 to 2100 (filters store nothing). */
export const FILTER_BOUND: DateTimeRange = {
  min: '2000-01-01T00:00:00+08:00',
  max: '2100-01-01T00:00:00+08:00',
};

const RFC_3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Days in a month of the proleptic Gregorian calendar (month 1–12). */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isRealDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/**
 * The instant an RFC 3339 date-time names, or null if it is not one or not a real time. Plain
 * arithmetic on the matched digits (a bank's file runs it once per row): no Date until the answer.
 */
export function parseDateTime(value: string): Date | null {
  const m = RFC_3339.exec(value);
  if (!m) return null;
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  const hour = +m[4];
  const minute = +m[5];
  const second = +m[6];
  // No leap second (23:59:60): a JavaScript Date cannot hold it.
  if (!isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (m[8]) {
    const oh = +m[9];
    const om = +m[10];
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] === undefined ? 0 : +m[7].padEnd(3, '0').slice(0, 3);
  // Date.UTC reads years 0–99 as 1900–1999; setUTCFullYear takes the year as written.
  let t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (year < 100) {
    const d = new Date(0);
    d.setUTCFullYear(year, month - 1, day);
    t = d.setUTCHours(hour, minute, second, ms);
  }
  return new Date(t - offsetMinutes * 60_000);
}

const days = (ms: number) => {
  const n = Math.round(ms / DAY_MS);
  return n === 1 ? '1 day' : `${n} days`;
};

/** What is wrong with `value` as a date-time of `range`, or null when nothing is. */
export function dateTimeProblem(
  value: unknown,
  range: DateTimeRange,
  nowMs: number = businessNowMs(),
): string | null {
  if (typeof value !== 'string') return NOT_RFC_3339;
  const at = parseDateTime(value);
  if (!at) return RFC_3339.test(value) ? `is not a real date and time, ${EXAMPLE}` : NOT_RFC_3339;
  if (at.getTime() < Date.parse(range.min)) return `must not be before ${range.min}`;
  if (range.max !== undefined && at.getTime() > Date.parse(range.max))
    return `must not be after ${range.max}`;
  if (range.maxFromNowMs !== undefined && at.getTime() > nowMs + range.maxFromNowMs)
    return `must not be more than ${days(range.maxFromNowMs)} from now`;
  return null;
}

/** A range's bound as epoch ms, parsed once (a bank's file checks a time per row). */
const boundCache = new Map<string, number>();
function boundMs(bound: string): number {
  let ms = boundCache.get(bound);
  if (ms === undefined) boundCache.set(bound, (ms = Date.parse(bound)));
  return ms;
}

/**
 * The instant `value` names when it is a date-time of `range` (dateTimeProblem answers null), else
 * null: the same rules with one parse, for callers that need the instant of a value that passes.
 */
export function dateTimeWithin(
  value: string,
  range: DateTimeRange,
  nowMs: number = businessNowMs(),
): Date | null {
  const at = parseDateTime(value);
  if (!at) return null;
  const t = at.getTime();
  if (t < boundMs(range.min)) return null;
  if (range.max !== undefined && t > boundMs(range.max)) return null;
  if (range.maxFromNowMs !== undefined && t > nowMs + range.maxFromNowMs) return null;
  return at;
}

/** DTO field decorator: an RFC 3339 date-time with an offset, within `range`. */
export function IsDateTime(
  range: DateTimeRange,
  validationOptions?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDateTime',
      validator: {
        validate: (value: unknown) => dateTimeProblem(value, range) === null,
        defaultMessage: (args) => dateTimeProblem(args?.value, range) ?? NOT_RFC_3339,
      },
    },
    validationOptions,
  );
}

// ---------------------------------------------------------------------------------------------
// Calendar dates (a day, no time): RFC 3339 full-date, YYYY-MM-DD, in China time.

export interface DateRange {
  /** The earliest day allowed, YYYY-MM-DD. */
  min: string;
  /** The latest: this many days after today in China. */
  maxDaysFromToday: number;
}

/** A day something was done (money reached the custody account): from 2000 to tomorrow. */
export const PAST_DAY: DateRange = { min: '2000-01-01', maxDaysFromToday: 1 };

/** A day something is planned for (a return ceremony): up to a year ahead. */
export const PLANNED_DAY: DateRange = { min: '2000-01-01', maxDaysFromToday: 366 };

const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const NOT_FULL_DATE = 'must be a date as YYYY-MM-DD, e.g. 2026-11-21';

/** The day in China (UTC+8 all year) `days` after the one `nowMs` falls on, as YYYY-MM-DD. */
const chinaDay = (nowMs: number, days: number) =>
  new Date(nowMs + 8 * 3600_000 + days * DAY_MS).toISOString().slice(0, 10);

/** What is wrong with `value` as a date of `range`, or null when nothing is. */
export function dateProblem(
  value: unknown,
  range: DateRange,
  nowMs: number = businessNowMs(),
): string | null {
  if (typeof value !== 'string') return NOT_FULL_DATE;
  const m = FULL_DATE.exec(value);
  if (!m) return NOT_FULL_DATE;
  if (!isRealDate(Number(m[1]), Number(m[2]), Number(m[3]))) return 'is not a real date';
  // YYYY-MM-DD strings compare like the days they name.
  if (value < range.min) return `must not be before ${range.min}`;
  const last = chinaDay(nowMs, range.maxDaysFromToday);
  if (value > last) return `must not be after ${last}`;
  return null;
}

/** DTO field decorator: a calendar date YYYY-MM-DD within `range`. */
export function IsCalendarDate(
  range: DateRange,
  validationOptions?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: (value: unknown) => dateProblem(value, range) === null,
        defaultMessage: (args) => dateProblem(args?.value, range) ?? NOT_FULL_DATE,
      },
    },
    validationOptions,
  );
}
