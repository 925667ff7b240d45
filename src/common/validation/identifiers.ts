/**
 * Validation and normalization of the Chinese identifiers a case names: citizen ID numbers
 * (居民身份证号), mobile numbers, bank cards and the accounts of 涉案标识.
 *
 * Each check answers `{ ok: true, value, ...flags }` with the normalized value, or
 * `{ ok: false, problem }` where `problem` is a short English phrase that completes
 * "<field> <problem>" in a 400 answer (see `badRequest(field, problem)` in common/http/errors.ts).
 * Normalizing is idempotent: a normalized value normalizes to itself, so stored values can be
 * re-checked and compared with fresh input.
 */

export type Invalid = { ok: false; problem: string };
export type Checked<Flags extends object = object> =
  ({ ok: true; value: string } & Flags) | Invalid;

const invalid = (problem: string): Invalid => ({ ok: false, problem });

/**
 * Full-width digits, letters and signs (１３８…, ＋８６, －) are common in Chinese input methods;
 * NFKC turns them into their ASCII forms before anything else is checked.
 */
const ascii = (raw: string) => raw.normalize('NFKC');

// ---------------------------------------------------------------------------------------------
// 居民身份证号 (GB 11643-1999)

/** First two digits of the region code: the provinces of GB/T 2260 (71 台湾, 81 香港, 82 澳门). */
const PROVINCE_CODES: ReadonlySet<string> = new Set([
  ...['11', '12', '13', '14', '15'],
  ...['21', '22', '23'],
  ...['31', '32', '33', '34', '35', '36', '37'],
  ...['41', '42', '43', '44', '45', '46'],
  ...['50', '51', '52', '53', '54'],
  ...['61', '62', '63', '64', '65'],
  ...['71', '81', '82'],
]);

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK_CHARS = '10X98765432';

/** The GB 11643 check character for the first 17 digits (which the caller has checked are digits). */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK_CHARS[sum % 11];
}

/** Whether year-month-day is a real calendar date (Date.UTC rolls 02-30 over to 03-02). */
function isRealDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** Today's date as YYYYMMDD in China (UTC+8 all year, no daylight saving), where birth dates are recorded. */
function chinaToday(now: Date): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');
}

export type Sex = 'male' | 'female';
export type CitizenIdFlags = { birthDate: string; sex: Sex };

/**
 * Checks a citizen ID number: 18 characters (spaces ignored), a known province, a real birth
 * date not after today and not before 1900, and the GB 11643 check digit; a lower-case `x` is
 * normalized to `X`. Also answers the birth date (`YYYY-MM-DD`) and sex (odd 17th digit: male).
 * `now` is a parameter so tests can pin "today".
 */
export function checkCitizenId(raw: string, now: Date = new Date()): Checked<CitizenIdFlags> {
  const s = ascii(raw).replace(/\s+/g, '').toUpperCase();
  if (s.length !== 18) return invalid('must be 18 characters');
  if (!/^\d{17}[\dX]$/.test(s)) return invalid('must be 17 digits followed by a digit or X');
  if (!PROVINCE_CODES.has(s.slice(0, 2))) return invalid('has an unknown region code');

  const birth = s.slice(6, 14);
  const [year, month, day] = [birth.slice(0, 4), birth.slice(4, 6), birth.slice(6, 8)].map(Number);
  if (year < 1900 || !isRealDate(year, month, day)) return invalid('has an impossible birth date');
  // YYYYMMDD strings compare like the dates they spell.
  if (birth > chinaToday(now)) return invalid('has a birth date in the future');

  if (idCheckChar(s) !== s[17]) return invalid('has a wrong check digit');
  return {
    ok: true,
    value: s,
    birthDate: `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}`,
    sex: Number(s[16]) % 2 === 1 ? 'male' : 'female',
  };
}

// ---------------------------------------------------------------------------------------------
// Mobile numbers (手机号)

/**
 * Checks a mainland mobile number (11 digits, 13x–19x): spaces and dashes are dropped, then a
 * leading +86 or 0086, or a bare 86 only when the whole is 13 digits (a mobile number itself
 * starts with 1, so 86 + 11 digits is the only reading; a shorter 86… is left to fail).
 */
export function checkMobile(raw: string): Checked {
  let s = ascii(raw).replace(/[\s-]+/g, '');
  if (s.startsWith('+86')) s = s.slice(3);
  else if (s.startsWith('0086')) s = s.slice(4);
  else if (s.length === 13 && s.startsWith('86')) s = s.slice(2);
  if (!/^\d+$/.test(s)) return invalid('must contain only digits');
  if (s.length !== 11) return invalid('must be 11 digits');
  if (!/^1[3-9]\d{9}$/.test(s)) return invalid('must start with 13 to 19');
  return { ok: true, value: s };
}

// ---------------------------------------------------------------------------------------------
// Bank cards and accounts (银行卡号 / 账号)

/** The Luhn (mod 10) check that debit and credit card numbers carry. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = Number(digits[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Checks a bank card or account number: spaces and dashes dropped, 12–19 digits. The Luhn
 * result is a flag, not a verdict: corporate and passbook account numbers (对公账户、存折) are
 * often not Luhn numbers, and rejecting them would lose real fraud accounts.
 */
export function checkBankCard(raw: string): Checked<{ luhnValid: boolean }> {
  const s = ascii(raw).replace(/[\s-]+/g, '');
  if (!/^\d+$/.test(s)) return invalid('must contain only digits');
  if (s.length < 12 || s.length > 19) return invalid('must be 12 to 19 digits');
  return { ok: true, value: s, luhnValid: luhnValid(s) };
}

// ---------------------------------------------------------------------------------------------
// WeChat, QQ, Alipay

/**
 * Checks a WeChat id (微信号): 6–20 letters, digits, `_` or `-`, starting with a letter, compared
 * without case. Many people use their phone number as WeChat id, so a mobile number is accepted
 * too and normalized like one (`viaPhone`). A WeChat id starts with a letter, so the two never clash.
 */
export function checkWechat(raw: string): Checked<{ viaPhone: boolean }> {
  const s = ascii(raw).trim();
  if (/^[A-Za-z][A-Za-z0-9_-]{5,19}$/.test(s)) {
    return { ok: true, value: s.toLowerCase(), viaPhone: false };
  }
  const phone = checkMobile(s);
  if (phone.ok) return { ok: true, value: phone.value, viaPhone: true };
  return invalid(
    'must be 6 to 20 letters, digits, _ or - starting with a letter, or a mobile number',
  );
}

/** Checks a QQ number: 5–11 digits, not starting with 0 (spaces ignored). */
export function checkQq(raw: string): Checked {
  const s = ascii(raw).replace(/\s+/g, '');
  if (!/^[1-9]\d{4,10}$/.test(s)) return invalid('must be 5 to 11 digits not starting with 0');
  return { ok: true, value: s };
}

/** A pragmatic e-mail shape: one @, no spaces, a dotted domain. Deliverability is not our question. */
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** Checks an Alipay account (支付宝账号): an e-mail address (lower-cased) or a mobile number. */
export function checkAlipay(raw: string): Checked<{ form: 'email' | 'phone' }> {
  const s = ascii(raw).trim();
  if (s.includes('@')) {
    if (s.length > 254 || !EMAIL.test(s))
      return invalid('must be an e-mail address or a mobile number');
    return { ok: true, value: s.toLowerCase(), form: 'email' };
  }
  const phone = checkMobile(s);
  if (!phone.ok) return invalid('must be an e-mail address or a mobile number');
  return { ok: true, value: phone.value, form: 'phone' };
}

// ---------------------------------------------------------------------------------------------
// URLs, apps, anything else

const MAX_URL_LENGTH = 2000;

/**
 * Checks a fraud site's address: http or https only. A bare host (`www.Example.com/x`, as victims
 * copy it from a chat) gets `http://`. Normalized so the same site compares equal: lower-case
 * scheme and host (IDN hosts in punycode), no default port, no fragment; path and query kept as
 * they are, because they often carry the scam's invitation code.
 */
export function checkUrl(raw: string): Checked {
  let s = raw.trim();
  if (!s) return invalid('must not be empty');
  if (s.length > MAX_URL_LENGTH) return invalid(`must be at most ${MAX_URL_LENGTH} characters`);
  if (!/^[a-z][a-z\d+.-]*:\/\//i.test(s)) {
    // `javascript:…`, `mailto:…` are schemes, not hosts; `host:8080/x` is a host with a port.
    if (/^[a-z][a-z\d+.-]*:(?!\d)/i.test(s)) return invalid('must be an http or https address');
    s = `http://${s}`;
  }
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return invalid('is not a valid web address');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return invalid('must be an http or https address');
  }
  if (!u.hostname.includes('.') && !u.hostname.startsWith('[')) {
    return invalid('must have a full host name');
  }
  u.hash = '';
  // An empty query ("…/x?") says nothing; setting '' drops the lone '?'.
  if (u.search === '') u.search = '';
  return { ok: true, value: u.href };
}

/** Trimmed free text of 1..max characters (counted as code points, so 汉字 count one each). */
function checkText(raw: string, max: number): Checked {
  const s = raw.trim();
  const length = [...s].length;
  if (length === 0) return invalid('must not be empty');
  if (length > max) return invalid(`must be at most ${max} characters`);
  return { ok: true, value: s };
}

/** An app's name or download address, as the victim knows it (诈骗APP). */
export const checkApp = (raw: string) => checkText(raw, 100);
/** Anything else a case names. */
export const checkOther = (raw: string) => checkText(raw, 200);

// ---------------------------------------------------------------------------------------------
// One entry point for 涉案标识

export const IDENTIFIER_KINDS = [
  'bank_card',
  'phone',
  'wechat',
  'alipay',
  'qq',
  'url',
  'app',
  'other',
] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

export const isIdentifierKind = (kind: string): kind is IdentifierKind =>
  (IDENTIFIER_KINDS as readonly string[]).includes(kind);

/** `luhnValid` is set for bank cards and null for every other kind (as the identifiers table stores it). */
export type NormalizedIdentifier = Checked<{ luhnValid: boolean | null }>;

/**
 * Validates and normalizes the value of an identifier of the given kind: one row per
 * (kind, normalized value), so the same account typed two ways links the same cases.
 */
export function normalizeIdentifier(kind: IdentifierKind, raw: string): NormalizedIdentifier {
  const plain = (c: Checked): NormalizedIdentifier =>
    c.ok ? { ok: true, value: c.value, luhnValid: null } : c;
  switch (kind) {
    case 'bank_card': {
      const c = checkBankCard(raw);
      return c.ok ? { ok: true, value: c.value, luhnValid: c.luhnValid } : c;
    }
    case 'phone':
      return plain(checkMobile(raw));
    case 'wechat':
      return plain(checkWechat(raw));
    case 'alipay':
      return plain(checkAlipay(raw));
    case 'qq':
      return plain(checkQq(raw));
    case 'url':
      return plain(checkUrl(raw));
    case 'app':
      return plain(checkApp(raw));
    case 'other':
      return plain(checkOther(raw));
    default: {
      // Reached only when an unchecked string slips past the type (e.g. from a database row).
      const unknown: never = kind;
      return invalid(`is not a known identifier kind (${String(unknown)})`);
    }
  }
}
