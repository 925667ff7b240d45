import { ValidateBy, ValidationOptions } from 'class-validator';

/**
 * Money (金额), the one way: whole fen (分, 1/100 yuan) as integers everywhere — JSON numbers in
 * the API, BIGINT in PostgreSQL — never floating-point yuan (docs/ARCHITECTURE.md, API conventions).
 *
 * A JSON number is exact only up to Number.MAX_SAFE_INTEGER (2^53 − 1 fen, about 90 trillion
 * yuan), so every conversion checks it instead of silently rounding, and the amounts stored are
 * bounded far below it, so that the sums the system keeps stay exact too (docs/DECISIONS.md,
 * "Amount ceiling"). The database holds the same bounds as CHECK constraints.
 */

/** An amount in fen (分). A plain number, kept simple; the `Fen` suffix of field names says the unit. */
export type Fen = number;

/**
 * The largest single amount (a transfer, a flag, a freeze request, a recovery): 10^12 fen, 100亿元.
 * A larger one is a typo, and the bound keeps the sums of thousands of them exact.
 */
export const MAX_AMOUNT_FEN = 1_000_000_000_000;

/** The largest loss of one case (the sum of its victims' transfers): 10^13 fen, 1000亿元. */
export const MAX_CASE_LOSS_FEN = 10_000_000_000_000;

/** Whether `n` is an amount the API accepts: a whole number of fen from 0 to MAX_AMOUNT_FEN. */
export function isValidFen(n: unknown): n is Fen {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= MAX_AMOUNT_FEN;
}

/**
 * A BIGINT (or SUM) from node-pg, which answers int8 as a string so it never loses digits.
 * Throws rather than round when the value is not a safe integer, and for NULL: a NULL amount
 * (say, a freeze the bank has not answered) is not 0, so the query has to say which it means
 * (COALESCE). Negative values pass: a difference of two amounts may be one.
 */
export function parseFenFromDb(v: string | number | null): Fen {
  if (v === null)
    throw new TypeError('Amount in fen is NULL; use COALESCE in the query if 0 is meant');
  if (typeof v === 'string' && !/^-?\d+$/.test(v)) {
    throw new TypeError(`Amount in fen "${v}" is not an integer`);
  }
  const n = typeof v === 'string' ? Number(v) : v;
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`Amount in fen ${String(v)} is not a safe integer`);
  }
  // Number('-0') is -0; it is just 0.
  return n === 0 ? 0 : n;
}

function saturate(b: bigint): Fen {
  return b > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(b);
}

/**
 * A total over a number of rows nothing bounds (a unit's or a city's figures, a ceremony's): exact
 * up to Number.MAX_SAFE_INTEGER, and that value beyond it rather than a failed read. With each
 * amount at most MAX_AMOUNT_FEN it takes more than 9,000 of the largest amounts (90 trillion yuan)
 * to get there, so no real total does; a stored row can never make a read of totals fail.
 */
export function parseFenTotalFromDb(v: string | number | null): Fen {
  if (typeof v === 'string' && /^\d+$/.test(v)) return saturate(BigInt(v));
  return parseFenFromDb(v);
}

/** The sum of amounts as a total over unbounded rows, saturating like parseFenTotalFromDb. */
export function totalFen(values: Iterable<number>): Fen {
  let total = 0n;
  for (const v of values) {
    if (!Number.isSafeInteger(v)) throw new RangeError(`Amount in fen ${v} is not a safe integer`);
    total += BigInt(v);
  }
  return saturate(total);
}

/**
 * Fen as a yuan string with exactly two decimals: 123456 → '1234.56', 5 → '0.05', -150 → '-1.50'.
 * Integer arithmetic only: the remainder, and `n - n % 100`, an exact multiple of 100 that
 * divides exactly, so no fractional float is ever made (nor has to be reasoned about).
 */
export function formatYuan(fen: number): string {
  if (!Number.isSafeInteger(fen))
    throw new RangeError(`Amount in fen ${fen} is not a safe integer`);
  const abs = Math.abs(fen);
  const cents = abs % 100;
  const yuan = (abs - cents) / 100;
  return `${fen < 0 ? '-' : ''}${yuan}.${String(cents).padStart(2, '0')}`;
}

/**
 * A yuan amount written as a decimal string ('12', '12.3', '12.30') to fen, exactly: the digits
 * are read as integers, never through a float ('0.29' as a float is 0.28999…). At most two
 * decimals, no sign, no thousands separators; anything else throws.
 */
export function yuanToFen(yuan: string): Fen {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(yuan.trim());
  if (!m) {
    throw new RangeError(`"${yuan}" is not an amount in yuan with at most two decimals`);
  }
  const fen = BigInt(m[1]) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
  if (fen > BigInt(MAX_AMOUNT_FEN))
    throw new RangeError(`"${yuan}" yuan exceeds the largest amount`);
  return Number(fen);
}

export const FEN_PROBLEM = `must be a whole number of fen (分) between 0 and ${MAX_AMOUNT_FEN} (100亿元)`;

/** DTO field decorator: an amount in fen, a JSON number that is a whole number from 0 to MAX_AMOUNT_FEN. */
export function IsFen(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isFen',
      validator: {
        validate: (value: unknown) => isValidFen(value),
        defaultMessage: () => FEN_PROBLEM,
      },
    },
    validationOptions,
  );
}
