import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import iconv from 'iconv-lite';
import {
  CsvRecords,
  MAX_CELL_CHARS,
  readHeader,
  recordToFlag,
  sniffEncoding,
} from './flag-file-format.js';

/** Every record of a text fed in pieces of `size` characters. */
function records(text: string, size = text.length): [number, string[], number][] {
  const p = new CsvRecords();
  const out: [number, string[], number][] = [];
  for (let i = 0; i < text.length; i += size) out.push(...p.push(text.slice(i, i + size)));
  return [...out, ...p.end()];
}

describe('CsvRecords', () => {
  const text = 'a,b,c\r\n"x, y","say ""hi""",\r\n\r\n"two\nlines",2,3\nlast,no,break';
  const expected: [number, string[], number][] = [
    [1, ['a', 'b', 'c'], 3],
    [2, ['x, y', 'say "hi"', ''], 3],
    [4, ['two\nlines', '2', '3'], 3],
    [5, ['last', 'no', 'break'], 3],
  ];

  it('reads quotes, escaped quotes, line breaks in quotes, CRLF and LF; blank lines are numbered, not returned', () => {
    assert.deepEqual(records(text), expected);
  });

  it('answers the same whatever the pieces the text comes in', () => {
    for (const size of [1, 2, 3, 7])
      assert.deepEqual(records(text, size), expected, `size ${size}`);
  });

  it('keeps at most MAX_CELL_CHARS + 1 characters of a cell and counts cells past the limit', () => {
    const [[, cells]] = records(`${'x'.repeat(100_000)},b\n`, 4096);
    assert.equal(cells[0].length, MAX_CELL_CHARS + 1);
    assert.equal(cells[1], 'b');
    const [[, kept, count]] = records(`${Array.from({ length: 100 }, () => 'c').join(',')}\n`);
    assert.equal(count, 100);
    assert.ok(kept.length < 100);
  });

  it('ends an unclosed quote at the end of the text', () => {
    assert.deepEqual(records('a,"open\nstill'), [[1, ['a', 'open\nstill'], 2]]);
  });
});

describe('header and records', () => {
  it('maps English and Chinese names (full-width parentheses too) to fields', () => {
    assert.deepEqual(
      readHeader([
        '交易流水号',
        '卡号',
        '对方卡号',
        '金额（分）',
        '交易时间',
        '预警原因',
        'payerName',
      ]),
      [
        'externalRef',
        'payerAccount',
        'payeeAccount',
        'amountFen',
        'occurredAt',
        'reason',
        'payerName',
      ],
    );
  });

  it('refuses unknown, repeated and missing columns, naming the file', () => {
    assert.throws(
      () => readHeader(['externalRef', 'externalRef', 'foo']),
      (e: { details: { field: string; problem: string }[] }) =>
        e.details.every((d) => d.field === 'file') &&
        e.details.some((d) => d.problem.includes('repeats externalRef')) &&
        e.details.some((d) => d.problem.includes('"foo" is not a known column')) &&
        e.details.some((d) => d.problem.includes('lacks the column payeeAccount')),
    );
  });

  it('reads digits as the amount and a time without offset as China time', () => {
    const { raw, amountText } = recordToFlag(
      ['amountFen', 'occurredAt', 'payerName'],
      ['12345', '2026-11-21 10:02:00', ''],
    );
    assert.deepEqual(raw, { amountFen: 12345, occurredAt: '2026-11-21T10:02:00+08:00' });
    assert.equal(amountText, false);
    assert.equal(recordToFlag(['amountFen'], ['12.5']).amountText, true);
  });
});

describe('sniffEncoding', () => {
  it('tells UTF-8 (with or without BOM, or cut mid-character) from GBK', () => {
    const zh = '交易流水号,卡号\r\n';
    assert.equal(sniffEncoding(Buffer.from('\ufeff' + zh)), 'utf-8');
    assert.equal(sniffEncoding(Buffer.from(zh)), 'utf-8');
    assert.equal(sniffEncoding(Buffer.from(zh).subarray(0, 4)), 'utf-8');
    assert.equal(sniffEncoding(iconv.encode(zh, 'gbk')), 'gb18030');
    assert.equal(sniffEncoding(Buffer.from('ascii,only\r\n')), 'utf-8');
  });
});
