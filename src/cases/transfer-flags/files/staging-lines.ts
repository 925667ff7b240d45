/**
 * The upload's hot loop: CSV records in, COPY text lines of the staging table out, each record
 * checked with the JSON API's rules (transfer-flag-input.ts) and written normalized, or with its
 * problems. Pure: no I/O.
 */
import { HttpStatus } from '@nestjs/common';
import { Transform, TransformCallback } from 'node:stream';
import { ApiError, badRequest, FieldProblem } from '../../../common/http/errors.js';
import { isValidFen } from '../../../common/money.js';
import { dateTimeWithin, PAST_EVENT } from '../../../common/validation/date-time.js';
import { checkFlagInput, NormalizedFlag } from '../transfer-flag-input.js';
import {
  AMOUNT_TEXT_PROBLEM,
  CsvRecords,
  FlagFileField,
  occurredAtText,
  readHeader,
  recordToFlag,
} from './flag-file-format.js';

/** What is kept of an invalid row's externalRef, for the problems CSV. */
const MAX_REF_KEPT = 100;

/** COPY's text format: backslash escapes for the four characters that would break a line. */
function copyText(v: string | null): string {
  if (v === null) return '\\N';
  return v.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/** The problems of one record of a file: the JSON API's checker, plus what only CSV can get wrong. */
export function checkRecord(
  fields: readonly FlagFileField[],
  cells: readonly string[],
  cellCount: number,
):
  | { ok: true; flag: NormalizedFlag }
  | { ok: false; externalRef: string | null; problems: FieldProblem[] } {
  if (cellCount !== fields.length) {
    const refAt = fields.indexOf('externalRef');
    return {
      ok: false,
      externalRef: cells[refAt] ?? null,
      problems: [
        { field: 'row', problem: `has ${cellCount} cells; the header has ${fields.length}` },
      ],
    };
  }
  const { raw, amountText } = recordToFlag(fields, cells);
  const checked = checkFlagInput(raw);
  if (checked.ok || !amountText) return checked;
  return {
    ...checked,
    problems: checked.problems.map((p) =>
      p.field === 'amountFen' ? { field: p.field, problem: AMOUNT_TEXT_PROBLEM } : p,
    ),
  };
}

/** The staging line of a record through checkRecord: the reference answer for every record. */
export function checkedLine(
  fileId: string,
  no: number,
  fields: readonly FlagFileField[],
  cells: readonly string[],
  count: number,
): string {
  const c = checkRecord(fields, cells, count);
  const head = `${fileId}\t${no}\t`;
  if (!c.ok) {
    const ref =
      c.externalRef === null ? null : c.externalRef.replaceAll('\u0000', '').slice(0, MAX_REF_KEPT);
    return `${head}${copyText(ref)}\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t${copyText(JSON.stringify(c.problems))}\n`;
  }
  const f = c.flag;
  return (
    head +
    [
      f.externalRef,
      f.payerAccount,
      f.payerName,
      f.payeeAccount,
      f.payeeName,
      f.payeeBank,
      String(f.amountFen),
      f.occurredAt.toISOString(),
      f.reason,
      null,
    ]
      .map(copyText)
      .join('\t') +
    '\n'
  );
}

/**
 * A cell the fast path takes as it is: no NUL, no character COPY's text format escapes, and none
 * that class-validator's Length counts differently from String#length (surrogates, variation
 * selectors), so `length` is the length the JSON API's rules see.
 */
// eslint-disable-next-line no-control-regex, no-misleading-character-class -- NUL and lone surrogates are what it refuses
const PLAIN_CELL = /^[^\u0000\t\n\r\\\uD800-\uDFFF\uFE0E\uFE0F]*$/;
/** A bank card as checkBankCard leaves it: digits only, 12 to 19. */
const PLAIN_CARD = /^\d{12,19}$/;
/** An amount of digits that is a safe integer whatever its value (isValidFen does the rest). */
const PLAIN_AMOUNT = /^\d{1,15}$/;

/**
 * The staging line of a record that plainly passes every rule (what nearly every row of a bank's
 * export is), built without the checker's objects; null for anything else, which then goes through
 * checkedLine. It accepts only records checkRecord accepts and writes them as checkedLine does
 * (staging-lines.spec.ts compares the two on random records): the conditions are a conservative
 * subset of the rules, so a doubtful record costs the checker's time, never a different answer.
 */
export function plainLine(
  fileId: string,
  no: number,
  fields: readonly FlagFileField[],
  cells: readonly string[],
  count: number,
): string | null {
  if (count !== fields.length) return null;
  let externalRef = '';
  let payerAccount = '';
  let payeeAccount = '';
  let payerName = '\\N';
  let payeeName = '\\N';
  let payeeBank = '\\N';
  let amount = '';
  let occurredAt = '';
  let reason = '';
  for (let i = 0; i < count; i++) {
    const v = cells[i];
    if (!PLAIN_CELL.test(v)) return null;
    switch (fields[i]) {
      case 'externalRef':
        if (v.length < 1 || v.length > 100) return null;
        externalRef = v;
        break;
      case 'payerAccount':
        if (!PLAIN_CARD.test(v)) return null;
        payerAccount = v;
        break;
      case 'payeeAccount':
        if (!PLAIN_CARD.test(v)) return null;
        payeeAccount = v;
        break;
      case 'payerName':
        if (v.length > 50) return null;
        payerName = v.trim() || '\\N';
        break;
      case 'payeeName':
        if (v.length > 50) return null;
        payeeName = v.trim() || '\\N';
        break;
      case 'payeeBank':
        if (v.length > 100) return null;
        payeeBank = v.trim() || '\\N';
        break;
      case 'amountFen': {
        if (!PLAIN_AMOUNT.test(v)) return null;
        const n = Number(v);
        if (!(n > 0) || !isValidFen(n)) return null;
        amount = String(n);
        break;
      }
      case 'occurredAt': {
        if (v === '') return null;
        const at = dateTimeWithin(occurredAtText(v), PAST_EVENT);
        if (!at) return null;
        occurredAt = at.toISOString();
        break;
      }
      case 'reason':
        if (v.length < 1 || v.length > 500) return null;
        reason = v.trim();
        if (!reason) return null;
        break;
    }
  }
  return `${fileId}\t${no}\t${externalRef}\t${payerAccount}\t${payerName}\t${payeeAccount}\t${payeeName}\t${payeeBank}\t${amount}\t${occurredAt}\t${reason}\t\\N\n`;
}

/**
 * Decoded text in, COPY text lines of the staging table out: parses the records, reads the
 * header, checks every data record with the JSON API's rules and writes it normalized (or its
 * problems). Work per input chunk is bounded by the chunk, so a hostile file costs time in slices
 * the event loop interleaves with other requests, and memory stays what one chunk needs.
 */
export class StagingLines extends Transform {
  private readonly records = new CsvRecords();
  private fields: FlagFileField[] | null = null;
  rows = 0;

  constructor(
    private readonly fileId: string,
    private readonly maxRows: number,
  ) {
    super({ writableObjectMode: true });
  }

  override _transform(text: string, _enc: BufferEncoding, done: TransformCallback): void {
    this.emit_(this.records.push(text), done);
  }

  override _flush(done: TransformCallback): void {
    this.emit_(this.records.end(), (err) => {
      if (err) return done(err);
      if (this.fields === null) {
        return done(badRequest('file', 'is empty: it needs a header line and data rows'));
      }
      if (this.rows === 0) return done(badRequest('file', 'has a header but no data rows'));
      done();
    });
  }

  private emit_(records: [number, string[], number][], done: TransformCallback): void {
    try {
      let out = '';
      for (const [no, cells, count] of records) {
        if (this.fields === null) {
          this.fields = readHeader(cells.slice(0, count));
          continue;
        }
        if (++this.rows > this.maxRows) {
          throw new ApiError(
            HttpStatus.PAYLOAD_TOO_LARGE,
            `file has more than ${this.maxRows} rows`,
            [{ field: 'file', problem: `must have at most ${this.maxRows} data rows; split it` }],
          );
        }
        out +=
          plainLine(this.fileId, no, this.fields, cells, count) ??
          checkedLine(this.fileId, no, this.fields, cells, count);
      }
      if (out) this.push(out);
      done();
    } catch (err) {
      done(err as Error);
    }
  }
}
