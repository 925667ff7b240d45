/**
 * The CSV format of a bank's daily file of suspicious transfers: its columns (English names of the
 * JSON API, or the Chinese names bank exports use), its decoding (UTF-8 with or without a BOM, or
 * GBK/GB18030) and a streaming parser whose memory is bounded whatever the input. Pure: no I/O.
 */
import iconv from 'iconv-lite';
import { Transform, TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';
import { ApiError, badRequest } from '../../../common/http/errors.js';
import { HttpStatus } from '@nestjs/common';

/**
 * The one mapping of header names to flag fields: a header cell is either the JSON field name or
 * one of its Chinese names (full-width parentheses are read as ASCII ones). Order is free; a
 * column not in this table is refused (400), so a misspelt header cannot drop a field silently.
 */
export const FLAG_FILE_COLUMNS = [
  { field: 'externalRef', chinese: ['交易流水号'], required: true },
  { field: 'payerAccount', chinese: ['付款账号', '卡号'], required: true },
  { field: 'payerName', chinese: ['付款人姓名', '户名'], required: false },
  { field: 'payeeAccount', chinese: ['收款账号', '对方卡号'], required: true },
  { field: 'payeeName', chinese: ['收款人姓名', '对方户名'], required: false },
  { field: 'payeeBank', chinese: ['收款行', '对方行名'], required: false },
  { field: 'amountFen', chinese: ['金额(分)'], required: true },
  { field: 'occurredAt', chinese: ['交易时间'], required: true },
  { field: 'reason', chinese: ['预警原因'], required: true },
] as const;

export type FlagFileField = (typeof FLAG_FILE_COLUMNS)[number]['field'];

const BY_HEADER = new Map<string, FlagFileField>(
  FLAG_FILE_COLUMNS.flatMap((c) => [
    [c.field, c.field] as const,
    ...c.chinese.map((name) => [name, c.field] as const),
  ]),
);

/** The longest cell kept: a longer one is cut here (the field's rule then refuses it as too long). */
export const MAX_CELL_CHARS = 1_000;
/** Cells kept per record: more than the columns, so a record with too many is still recognized. */
export const MAX_CELLS = FLAG_FILE_COLUMNS.length + 8;

/** The field of each column of the header record, or a 400 naming what is wrong with it. */
export function readHeader(cells: readonly string[]): FlagFileField[] {
  const fields: FlagFileField[] = [];
  const problems: string[] = [];
  cells.forEach((cell, i) => {
    const name = cell.trim().replace(/（/g, '(').replace(/）/g, ')');
    const field = BY_HEADER.get(name);
    if (!field) problems.push(`column ${i + 1} "${name.slice(0, 40)}" is not a known column`);
    else if (fields.includes(field)) problems.push(`column ${i + 1} repeats ${field}`);
    else fields.push(field);
  });
  for (const c of FLAG_FILE_COLUMNS) {
    if (c.required && !fields.includes(c.field)) problems.push(`lacks the column ${c.field}`);
  }
  if (problems.length) {
    throw new ApiError(
      HttpStatus.BAD_REQUEST,
      `file header ${problems.join('; ')}`,
      problems.map((problem) => ({ field: 'file', problem: `header ${problem}` })),
    );
  }
  return fields;
}

/** An ISO date and time without an offset, as Chinese exports write it: read as China time. */
const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)$/;

/** The occurredAt cell as the JSON API's date-time: a local time gets China's offset, else as is. */
export function occurredAtText(cell: string): string {
  const m = LOCAL_TIME.exec(cell.trim());
  return m ? `${m[1]}T${m[2]}+08:00` : cell;
}

/**
 * One data record as the object the JSON API takes (so the same checker answers for it): empty
 * cells are absent, the amount is a number when it is digits. `amountText` is set when the amount
 * cell is not digits, for a problem that says so instead of the JSON API's type complaint.
 */
export function recordToFlag(
  fields: readonly FlagFileField[],
  cells: readonly string[],
): { raw: Record<string, unknown>; amountText: boolean } {
  const raw: Record<string, unknown> = {};
  let amountText = false;
  fields.forEach((field, i) => {
    const cell = cells[i];
    if (cell === undefined || cell === '') return;
    if (field === 'amountFen') {
      const t = cell.trim();
      if (/^\d{1,20}$/.test(t)) raw.amountFen = Number(t);
      else {
        raw.amountFen = t;
        amountText = true;
      }
    } else if (field === 'occurredAt') {
      raw.occurredAt = occurredAtText(cell);
    } else raw[field] = cell;
  });
  return { raw, amountText };
}

/** The problem of an amount cell that is not digits. */
export const AMOUNT_TEXT_PROBLEM = 'must be a whole number of fen (分): digits only';

export type FileEncoding = 'utf-8' | 'gb18030';
export const ENCODING_CHOICES = ['auto', 'utf-8', 'gbk', 'gb18030'] as const;
export type EncodingChoice = (typeof ENCODING_CHOICES)[number];

/** Bytes looked at to tell UTF-8 from GBK when the caller did not say. */
const SNIFF_BYTES = 64 * 1024;

/**
 * The encoding of a file from its first bytes: a UTF-8 BOM, or bytes that are valid UTF-8 (a
 * sequence cut by the end of the sample is allowed), say UTF-8; anything else is read as GB18030,
 * the superset of GBK that Chinese bank exports use. A file that is ASCII at first and GBK later is
 * caught by the strict UTF-8 decoder (400 asking for ?encoding=gbk), never read as garbage.
 */
export function sniffEncoding(sample: Buffer): FileEncoding {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 'utf-8';
  let end = sample.length;
  // Drop an incomplete trailing sequence (at most 3 bytes of a 4-byte character).
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const b = sample[end - back];
    if ((b & 0xc0) === 0x80) continue;
    if (b >= 0xc0) end -= back;
    break;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, end));
    return 'utf-8';
  } catch {
    return 'gb18030';
  }
}

const utf8Problem = (offset: number) =>
  badRequest(
    'file',
    `is not valid UTF-8 (near byte ${offset}); send UTF-8, or GBK with ?encoding=gbk`,
  );

/**
 * Bytes in, text out: sniffs the encoding (unless given), drops a UTF-8 BOM, decodes UTF-8
 * strictly (invalid bytes are a 400) and GBK/GB18030 with iconv-lite; counts the bytes.
 */
export class FlagFileDecoder extends Transform {
  encoding: FileEncoding | null;
  bytes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private utf8: TextDecoder | null = null;
  private gbk: iconv.DecoderStream | null = null;

  constructor(choice: EncodingChoice) {
    super({ readableObjectMode: true });
    this.encoding = choice === 'auto' ? null : choice === 'utf-8' ? 'utf-8' : 'gb18030';
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.encoding === null) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < SNIFF_BYTES) return done();
      return this.flushPending(done);
    }
    this.decode(chunk, done);
  }

  override _flush(done: TransformCallback): void {
    const finish = (err?: Error | null) => {
      if (err) return done(err);
      try {
        const tail = this.utf8 ? this.utf8.decode() : (this.gbk?.end() ?? '');
        if (tail) this.push(tail);
        done();
      } catch {
        done(utf8Problem(this.bytes));
      }
    };
    if (this.encoding === null) this.flushPending(finish);
    else finish();
  }

  private flushPending(done: TransformCallback): void {
    const sample = Buffer.concat(this.pending);
    this.pending = [];
    this.encoding = sniffEncoding(sample);
    this.decode(sample, done);
  }

  private decode(chunk: Buffer, done: TransformCallback): void {
    try {
      let text: string;
      if (this.encoding === 'utf-8') {
        // ignoreBOM false: a leading BOM is consumed, not returned.
        this.utf8 ??= new TextDecoder('utf-8', { fatal: true });
        text = this.utf8.decode(chunk, { stream: true });
      } else {
        this.gbk ??= iconv.getDecoder('gb18030');
        text = this.gbk.write(chunk);
      }
      if (text) this.push(text);
      done();
    } catch {
      done(utf8Problem(this.bytes));
    }
  }
}

/**
 * RFC 4180 records from text chunks: quoted cells may hold commas, quotes ("") and line breaks;
 * CRLF, LF or CR end a record. Memory is bounded: a cell keeps at most MAX_CELL_CHARS characters
 * and a record at most MAX_CELLS cells (the rest is counted, not kept), so an unclosed quote or a
 * gigabyte-long line costs time, never memory. Each record comes with its number (the first is 1);
 * blank lines are numbered but not returned.
 */
export class CsvRecords {
  private cells: string[] = [];
  private cell = '';
  private cellLength = 0;
  private cellCount = 0;
  private quoted = false;
  /** Inside quotes, the previous character was a quote (an escaped one or the closing one). */
  private quoteSeen = false;
  private lastWasCR = false;
  private started = false;
  recordNo = 0;

  /** Records completed by this chunk: [record number, cells, number of cells in the record]. */
  push(text: string): [number, string[], number][] {
    const out: [number, string[], number][] = [];
    let runStart = -1;
    const flushRun = (end: number) => {
      if (runStart >= 0) {
        this.append(text.slice(runStart, end));
        runStart = -1;
      }
    };
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.lastWasCR) {
        this.lastWasCR = false;
        if (c === 10) continue;
      }
      if (this.quoted) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (c === 34) {
            this.append('"');
            continue;
          }
          this.quoted = false;
          // Fall through: the character after a closing quote is read as unquoted.
        } else if (c === 34) {
          flushRun(i);
          this.quoteSeen = true;
          continue;
        } else {
          if (runStart < 0) runStart = i;
          continue;
        }
      }
      if (c === 44) {
        flushRun(i);
        this.endCell();
      } else if (c === 10 || c === 13) {
        flushRun(i);
        this.lastWasCR = c === 13;
        const rec = this.endRecord();
        if (rec) out.push(rec);
      } else if (c === 34 && this.cellLength === 0 && !this.started) {
        this.quoted = true;
        this.started = true;
      } else {
        this.started = true;
        if (runStart < 0) runStart = i;
      }
    }
    flushRun(text.length);
    return out;
  }

  /** The last record if the text did not end with a line break. */
  end(): [number, string[], number][] {
    if (this.quoteSeen) this.quoted = false;
    if (this.started || this.cellCount > 0 || this.cellLength > 0) {
      const rec = this.endRecord();
      return rec ? [rec] : [];
    }
    return [];
  }

  private append(s: string): void {
    this.started = true;
    if (this.cellLength < MAX_CELL_CHARS) {
      this.cell += s.slice(0, MAX_CELL_CHARS - this.cellLength + 1);
    }
    this.cellLength += s.length;
  }

  private endCell(): void {
    if (this.cellCount < MAX_CELLS) this.cells.push(this.cell);
    this.cellCount++;
    this.cell = '';
    this.cellLength = 0;
    this.started = false;
    this.quoted = false;
    this.quoteSeen = false;
  }

  private endRecord(): [number, string[], number] | null {
    // A line break inside quotes is part of the cell.
    this.recordNo++;
    const blank = this.cellCount === 0 && this.cellLength === 0 && !this.started;
    this.endCell();
    const cells = this.cells;
    const count = this.cellCount;
    this.cells = [];
    this.cellCount = 0;
    return blank ? null : [this.recordNo, cells, count];
  }
}
