import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_AMOUNT_FEN } from '../../../common/money.js';
import { FLAG_FILE_COLUMNS, FlagFileField } from './flag-file-format.js';
import { checkedLine, plainLine } from './staging-lines.js';

const FILE = '00000000-0000-4000-8000-000000000001';

/** Characters the rules, trimming, COPY's escaping or class-validator's length treat specially. */
const odd = fc.constantFrom(
  ' ',
  '\t',
  '\\',
  '\r',
  '\n',
  '\u0000',
  '\u3000',
  '\uFE0F',
  '😀',
  '\uD800',
  '-',
  '１',
  '中',
  'a',
  '0',
  '.',
  '+',
);
const oddText = fc.string({ maxLength: 6, unit: odd });
/** A value of a field: mostly a likely one, sometimes with an odd character or all odd. */
const noisy = (likely: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 3, arbitrary: likely },
    { weight: 1, arbitrary: fc.tuple(likely, odd).map(([s, c]) => s + c) },
    { weight: 1, arbitrary: fc.tuple(odd, likely).map(([c, s]) => c + s) },
    { weight: 1, arbitrary: oddText },
  );
const chars = (units: string, min: number, max: number) =>
  fc.string({ minLength: min, maxLength: max, unit: fc.constantFrom(...units) });
/** Texts up to a little over `max`, often right at it. */
const text = (max: number) =>
  fc.oneof(
    chars('王李中 aB-1', 0, 12),
    fc.integer({ min: max - 1, max: max + 1 }).map((n) => '字'.repeat(n)),
  );
const card = fc.oneof(
  { weight: 4, arbitrary: chars('0123456789', 12, 19) },
  { weight: 1, arbitrary: chars('0123456789', 10, 21) },
  { weight: 1, arbitrary: fc.constant('6222-0212-3456-7890-128') },
);
const amount = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 10_000_000 }).map(String) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '0',
      String(MAX_AMOUNT_FEN),
      String(MAX_AMOUNT_FEN + 1),
      '0100',
      '12.50',
      '9'.repeat(16),
    ),
  },
);
const occurredAt = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .date({
        min: new Date('1999-12-30T00:00:00Z'),
        max: new Date(Date.now() + 3 * 86_400_000),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString()),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '2026-11-21 10:02:00',
      '2026-11-21T10:02:00+08:00',
      '2026-11-21T10:02',
      '2026-02-30T10:00:00Z',
      '2026-11-21T10:02:00.123456789+08:00',
      '1999-12-31T15:59:59Z',
      '2026-11-21',
    ),
  },
);
/** Likely values of each field, and the odd ones. */
const BY_FIELD: Record<FlagFileField, fc.Arbitrary<string>> = {
  externalRef: fc.oneof(chars('AB-0中', 1, 20), text(100)),
  payerAccount: card,
  payerName: text(50),
  payeeAccount: card,
  payeeName: text(50),
  payeeBank: text(100),
  amountFen: amount,
  occurredAt,
  reason: text(500),
};

/** A header (every required column, optional ones or not, in any order) and records under it. */
const fileRecords = fc
  .shuffledSubarray(
    FLAG_FILE_COLUMNS.filter((c) => !c.required).map((c) => c.field),
    {},
  )
  .chain((optional) =>
    fc.shuffledSubarray(
      [...FLAG_FILE_COLUMNS.filter((c) => c.required).map((c) => c.field), ...optional],
      { minLength: 6 + optional.length },
    ),
  )
  .chain((fields: FlagFileField[]) =>
    fc.tuple(
      fc.constant(fields),
      fc.array(
        fc.tuple(
          fc.tuple(...fields.map((f) => BY_FIELD[f])),
          // One cell replaced by a noisy one, or none.
          fc.option(fc.tuple(fc.nat(fields.length - 1), noisy(fc.constant('')))),
          fc.integer({ min: -1, max: 1 }),
        ),
        { minLength: 1, maxLength: 20 },
      ),
    ),
  );

describe('plainLine, the upload’s fast path', () => {
  it('answers only what checkedLine (the JSON API’s checker) answers, on random records', () => {
    let plain = 0;
    let total = 0;
    fc.assert(
      fc.property(fileRecords, ([fields, records]) => {
        for (const [likely, odd, extra] of records) {
          const cells = [...likely];
          if (odd) cells[odd[0]] = odd[1] + cells[odd[0]];
          // Sometimes a cell short or over the header's count.
          const row = extra < 0 ? cells.slice(0, -1) : extra > 0 ? [...cells, 'x'] : cells;
          const fast = plainLine(FILE, 7, fields, row, row.length);
          total++;
          if (fast === null) continue;
          plain++;
          assert.equal(fast, checkedLine(FILE, 7, fields, row, row.length));
        }
      }),
      { numRuns: 2_000 },
    );
    // The fast path is taken for a good share of the records, so the comparison means something.
    assert.ok(plain > total / 20, `${plain} of ${total}`);
  });

  it('takes a plain bank export row, and writes it as the checker does', () => {
    const fields = FLAG_FILE_COLUMNS.map((c) => c.field);
    const cells = [
      'F-1',
      '6212262402001234567',
      ' 王某某 ',
      '6222021234567890128',
      '',
      '中国工商银行',
      '0600',
      '2026-11-21 10:02:00',
      '转账 ',
    ];
    const fast = plainLine(FILE, 2, fields, cells, cells.length);
    assert.equal(
      fast,
      `${FILE}\t2\tF-1\t6212262402001234567\t王某某\t6222021234567890128\t\\N\t中国工商银行\t600\t2026-11-21T02:02:00.000Z\t转账\t\\N\n`,
    );
    assert.equal(fast, checkedLine(FILE, 2, fields, cells, cells.length));
  });
});
