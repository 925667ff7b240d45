import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import type { FieldProblem } from '../../common/http/errors.js';
import { FEN_PROBLEM, MAX_AMOUNT_FEN } from '../../common/money.js';
import { TransferFlagInput } from './dto/transfer-flags.dto.js';
import { checkFlagInput, checkFlagWith, FlagCheck } from './transfer-flag-input.js';

// ---------------------------------------------------------------------------------------------
// The previous rules, kept here as the reference: class-validator's validateSync on the DTO,
// stopping at the first error of each field, around the same checks (checkFlagWith).

function classValidatorRules(values: Record<string, unknown>): FieldProblem[] {
  const input = Object.assign(new TransferFlagInput(), values);
  return validateSync(input, {
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  }).flatMap((e) =>
    Object.values(e.constraints ?? {}).map((message) => ({
      field: e.property,
      problem: message.startsWith(`${e.property} `)
        ? message.slice(e.property.length + 1)
        : message,
    })),
  );
}

const checkWithClassValidator = (raw: unknown): FlagCheck =>
  checkFlagWith(raw, classValidatorRules);

// ---------------------------------------------------------------------------------------------
// Random flags: mostly valid fields, often one near a limit or of the wrong type.

/** Characters that the length rule, trimming, NFKC or the NUL check treat specially. */
const odd = fc.constantFrom(
  ' ',
  '-',
  '\t',
  '\n',
  '\u3000',
  '\u00a0',
  '０',
  '９',
  'a',
  '王',
  '\u0000',
  '\ufe0f',
  '\ufe0e',
  '😀',
  '\ud83d',
  '\ude00',
);
const unit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'0123456789') },
  { weight: 2, arbitrary: odd },
);

/** Strings of any length up to a little past `max`, and of exactly the lengths around the limits. */
const textNear = (max: number) =>
  fc.oneof(
    fc.string({ unit, maxLength: 4 }),
    fc
      .integer({ min: Math.max(0, max - 3), max: max + 3 })
      .chain((n) => fc.string({ unit, minLength: n, maxLength: n })),
    fc.string({ unit, maxLength: max + 5 }),
  );

/** Anything JSON can carry that is not a string, including things with a `length`. */
const notText = fc.oneof(
  fc.constantFrom(null, 0, 1, -1, 1.5, true, false, [], {}, ''),
  fc.array(fc.constant('x'), { maxLength: 120 }),
  fc.record({ length: fc.oneof(fc.integer({ min: -2, max: 600 }), fc.string({ maxLength: 3 })) }),
  fc.integer(),
  fc.double(),
);

/** Mostly `valid`, now and then one of `edges`, so that many flags are wholly valid. */
const mostly = <T>(valid: fc.Arbitrary<T>, ...edges: fc.Arbitrary<unknown>[]) =>
  fc.oneof({ weight: 6 * edges.length, arbitrary: valid as fc.Arbitrary<unknown> }, ...edges);

const cardDigits = (min: number, max: number) =>
  fc
    .integer({ min, max })
    .chain((n) =>
      fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n }),
    );
const card = mostly(
  fc.oneof(
    cardDigits(12, 19),
    cardDigits(12, 19).map((d) => d.replace(/(\d{4})/g, '$1 ').trim()),
    cardDigits(12, 19).map((d) => d.replace(/(\d{4})/g, '$1-')),
    cardDigits(12, 19).map((d) => d.replace(/\d/g, (x) => String.fromCharCode(0xff10 + Number(x)))),
  ),
  cardDigits(9, 22),
  textNear(40),
  notText,
);

const two = (lo: number, hi: number) =>
  fc.integer({ min: lo, max: hi }).map((n) => String(n).padStart(2, '0'));
const isoLike = fc
  .record({
    date: fc.tuple(fc.integer({ min: 1, max: 9999 }), two(0, 13), two(0, 32)),
    sep: fc.constantFrom('T', 't', ' '),
    time: fc.tuple(two(0, 25), two(0, 61)),
    seconds: fc.option(two(0, 61)),
    fraction: fc.option(
      fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 11 }),
    ),
    offset: fc.constantFrom('Z', 'z', '+08:00', '-05:30', '+0800', '+08', '+24:00', ''),
  })
  .map(
    ({ date: [y, m, d], sep, time: [h, min], seconds, fraction, offset }) =>
      `${String(y).padStart(4, '0')}-${m}-${d}${sep}${h}:${min}` +
      `${seconds === null ? '' : `:${seconds}`}${fraction === null ? '' : `.${fraction}`}${offset}`,
  );
const occurredAt = mostly(
  fc
    .date({ min: new Date('2000-01-01'), max: new Date(), noInvalidDate: true })
    .map((d) => d.toISOString().replace('Z', '+08:00')),
  isoLike,
  isoLike,
  fc.constantFrom(
    '2026-11-21',
    '2026-11-21T10:02:00',
    '2026-02-29T10:00:00Z',
    '20261121T100200Z',
    '0000',
    '20261121',
    '2026-W47',
    '2026-325',
    '1999-12-31T23:59:59+08:00',
    '2100-01-01T00:00:00Z',
  ),
  textNear(30),
  notText,
);

const amountFen = mostly(
  fc.integer({ min: 1, max: 10_000_000 }),
  fc.constantFrom(
    0,
    -0,
    -1,
    1.5,
    MAX_AMOUNT_FEN,
    MAX_AMOUNT_FEN + 1,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 1,
    2 ** 53 + 2,
    1e21,
    Infinity,
    -Infinity,
    NaN,
  ),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 3 }),
  notText,
);

const name = (max: number) =>
  mostly(fc.constantFrom('王某某', ' 李某 ', '中国工商银行', null), textNear(max), notText);

const FLAG_KEYS = [
  'payerAccount',
  'payerName',
  'payeeAccount',
  'payeeName',
  'payeeBank',
  'amountFen',
  'occurredAt',
  'reason',
  'externalRef',
];
const flagLike = fc
  .tuple(
    fc.record({
      payerAccount: card,
      payerName: name(50),
      payeeAccount: card,
      payeeName: name(50),
      payeeBank: name(100),
      amountFen,
      occurredAt,
      reason: mostly(fc.constantFrom('大额转账', ' 刷单返利 '), textNear(500), notText),
      externalRef: mostly(fc.stringMatching(/^[A-Z]{2,4}-\d{1,8}$/), textNear(100), notText),
    }),
    // Now and then a field left out, or one too many.
    fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, fc.constantFrom(...FLAG_KEYS)),
    fc.oneof(
      { weight: 8, arbitrary: fc.constant(null) },
      fc.dictionary(
        fc.constantFrom('extra', 'payer_account', 'constructor', 'toString', 'flags', 'id'),
        fc.oneof(fc.string({ maxLength: 3 }), fc.integer()),
        { minKeys: 1, maxKeys: 2 },
      ),
    ),
  )
  .map(([flag, missing, extra]) => {
    const out: Record<string, unknown> = { ...(extra ?? {}), ...flag };
    if (missing !== null) delete out[missing];
    return out;
  });

describe('checkFlagInput: the same answers as class-validator on the DTO', () => {
  it('agrees on random flags, valid and invalid', () => {
    let valid = 0;
    fc.assert(
      fc.property(flagLike, (flag) => {
        const expected = checkWithClassValidator(flag);
        if (expected.ok) valid++;
        assert.deepStrictEqual(checkFlagInput(flag), expected);
      }),
      { numRuns: 20_000 },
    );
    // The arbitraries reach the normalizing path too, not only refusals.
    assert.ok(valid > 2000, `only ${valid} valid flags`);
  });

  it('agrees on anything at all, and on non-objects', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.object()), (raw) => {
        assert.deepStrictEqual(checkFlagInput(raw), checkWithClassValidator(raw));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees on the edges of each rule', () => {
    const valid = {
      payerAccount: '6212262402001234567',
      payeeAccount: '6222021234567890128',
      amountFen: 100,
      occurredAt: '2026-11-21T10:02:00+08:00',
      reason: 'r',
      externalRef: 'R',
    };
    const edges: unknown[] = [
      {},
      { ...valid },
      { ...valid, payerAccount: 123 },
      { ...valid, payerAccount: '' },
      { ...valid, payerAccount: '1'.repeat(41) },
      { ...valid, payerAccount: ['1'] },
      { ...valid, payerAccount: { length: 41 } },
      { ...valid, payerName: null, payeeName: undefined, payeeBank: '' },
      { ...valid, payerName: 5 },
      { ...valid, reason: '\ufe0f' },
      { ...valid, reason: '😀'.repeat(300) },
      { ...valid, reason: '   ' },
      { ...valid, reason: 'a\u0000' },
      { ...valid, amountFen: 'x' },
      { ...valid, amountFen: 0 },
      { ...valid, amountFen: 1.5 },
      { ...valid, amountFen: Number.MAX_SAFE_INTEGER + 1 },
      { ...valid, occurredAt: '2026-11-21T10:02:00' },
      { ...valid, occurredAt: '2026-02-30T10:02:00+08:00' },
      { ...valid, extra: 1, __proto__: null },
      JSON.parse('{"__proto__": {"x": 1}, "payerAccount": "6212262402001234567"}'),
      'flag',
      null,
      [valid],
    ];
    for (const raw of edges) {
      assert.deepStrictEqual(
        checkFlagInput(raw),
        checkWithClassValidator(raw),
        JSON.stringify(raw),
      );
    }
  });

  it('words the problems like class-validator', () => {
    const problem = (raw: Record<string, unknown>, field: string) => {
      const r = checkFlagInput(raw);
      return r.ok ? undefined : r.problems.find((p) => p.field === field)?.problem;
    };
    assert.equal(problem({}, 'payerAccount'), 'must be longer than or equal to 1 characters');
    assert.equal(
      problem({ reason: 'x'.repeat(501) }, 'reason'),
      'must be shorter than or equal to 500 characters',
    );
    assert.equal(
      problem({ externalRef: 7 }, 'externalRef'),
      'must be longer than or equal to 1 and shorter than or equal to 100 characters',
    );
    assert.equal(problem({ amountFen: -1 }, 'amountFen'), 'must be more than 0');
    assert.equal(problem({ amountFen: 0.5 }, 'amountFen'), FEN_PROBLEM);
    assert.equal(
      problem({ occurredAt: 'now' }, 'occurredAt'),
      'must be an RFC 3339 date-time with an offset, e.g. 2026-11-21T09:30:00+08:00',
    );
  });
});
