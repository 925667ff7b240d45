/**
 * Masking of PII in responses (脱敏), for every caller who may not see it in the clear
 * (docs/ARCHITECTURE.md, Victim: `张*`, `510***********1234`, `138****5678`).
 *
 * Characters are counted as code points, so a rare 汉字 outside the BMP (𠮷) is one character
 * and is never cut in half. Numbers keep their length, as on a bank slip, so an officer can still
 * tell an ID number from a phone; names do too, as the ministry's examples do.
 */

const STAR = '*';

/** Keeps the first `head` and last `tail` characters and stars the rest, keeping the length. */
function keepEnds(value: string, head: number, tail: number): string {
  const chars = [...value];
  if (chars.length <= head + tail) return STAR.repeat(chars.length);
  return (
    chars.slice(0, head).join('') +
    STAR.repeat(chars.length - head - tail) +
    chars.slice(-tail).join('')
  );
}

/**
 * A name: the first character (the surname of a Chinese name, the initial of a Latin one), then
 * one star per remaining character: `张三` → `张*`, `欧阳娜娜` → `欧***`, `John Smith` →
 * `J*********`. A one-character name is all star, since its one character is all of it.
 */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return STAR.repeat(chars.length);
  return chars[0] + STAR.repeat(chars.length - 1);
}

/**
 * A citizen ID number: the first 3 digits (the province and city, which a case's jurisdiction
 * already says) and the last 4: `510104199001011234` → `510***********1234`.
 * The birth date, which identifies most, is hidden.
 */
export const maskIdNumber = (idNumber: string): string => keepEnds(idNumber, 3, 4);

/** A mobile number: the carrier prefix and the last 4, `13812345678` → `138****5678`. */
export const maskPhone = (phone: string): string => keepEnds(phone, 3, 4);

/**
 * A bank card or account number: the first 6 (the bank's BIN, which says which bank to ask) and
 * the last 4, as banks print them: `6222021234567890128` → `622202*********0128`. A number too
 * short for that keeps only its last 4.
 */
export function maskAccount(account: string): string {
  const length = [...account].length;
  if (length > 6 + 4) return keepEnds(account, 6, 4);
  return keepEnds(account, 0, 4);
}

/**
 * An address: the first 6 characters (in a Chinese address, province/city and district:
 * `贵阳市云岩区东山路12号` → `贵阳市云岩区****`), then a fixed `****` that does not tell the
 * length. A short address keeps at most half its characters, so `东山路12号` does not come out whole.
 */
export function maskAddress(address: string): string {
  const chars = [...address.trim()];
  if (chars.length === 0) return '';
  const keep = Math.min(6, Math.floor(chars.length / 2));
  return `${chars.slice(0, keep).join('')}****`;
}
