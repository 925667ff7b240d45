import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import {
  FEN_PROBLEM,
  formatYuan,
  IsFen,
  isValidFen,
  MAX_FEN,
  parseFenFromDb,
  sumFen,
  yuanToFen,
} from './money.js';

/** Yuan from fen through BigInt, as an independent reference for formatYuan. */
function bigYuan(fen: number): string {
  const b = BigInt(fen);
  const abs = b < 0n ? -b : b;
  return `${b < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

const safeFen = fc.integer({ min: 0, max: MAX_FEN });

describe('isValidFen', () => {
  it('accepts whole numbers from 0 to MAX_SAFE_INTEGER', () => {
    for (const n of [0, 1, 5000000, MAX_FEN]) assert.equal(isValidFen(n), true, String(n));
  });

  it('rejects fractions, negatives, unsafe numbers and non-numbers', () => {
    for (const v of [
      -1,
      0.5,
      12.3,
      MAX_FEN + 1,
      2 ** 60,
      NaN,
      Infinity,
      '100',
      null,
      undefined,
      100n,
    ]) {
      assert.equal(isValidFen(v), false, String(v));
    }
  });
});

describe('parseFenFromDb', () => {
  it('reads node-pg BIGINT strings and plain numbers', () => {
    assert.equal(parseFenFromDb('0'), 0);
    assert.equal(parseFenFromDb('123456'), 123456);
    assert.equal(parseFenFromDb('9007199254740991'), MAX_FEN);
    assert.equal(parseFenFromDb(42), 42);
    assert.equal(parseFenFromDb('-150'), -150);
    assert.ok(Object.is(parseFenFromDb('-0'), 0));
  });

  it('throws rather than round beyond the safe range', () => {
    assert.throws(() => parseFenFromDb('9007199254740992'), RangeError);
    assert.throws(() => parseFenFromDb('9223372036854775807'), RangeError);
    assert.throws(() => parseFenFromDb(2 ** 53), RangeError);
    assert.throws(() => parseFenFromDb(1.5), RangeError);
  });

  it('throws for NULL and for strings that are not integers', () => {
    assert.throws(() => parseFenFromDb(null), /NULL/);
    for (const s of ['', '1.50', '1e3', ' 12', '0x10', 'abc']) {
      assert.throws(() => parseFenFromDb(s), TypeError, s);
    }
  });

  it('round-trips every safe amount through its decimal string', () => {
    fc.assert(fc.property(fc.maxSafeInteger(), (n) => assert.equal(parseFenFromDb(String(n)), n)));
  });
});

describe('sumFen', () => {
  it('adds exactly', () => {
    assert.equal(sumFen([]), 0);
    assert.equal(sumFen([10, 20, 30]), 60);
    assert.equal(sumFen(new Set([MAX_FEN - 1, 1])), MAX_FEN);
  });

  it('agrees with BigInt whenever the total is safe', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 50 }), { maxLength: 8 }), (values) => {
        const exact = values.reduce((a, v) => a + BigInt(v), 0n);
        assert.equal(BigInt(sumFen(values)), exact);
      }),
    );
  });

  it('throws when the total or a term is not a safe integer', () => {
    assert.throws(() => sumFen([MAX_FEN, 1]), /exceeds the safe range/);
    assert.throws(() => sumFen([1, 0.5]), RangeError);
    assert.throws(() => sumFen([2 ** 53]), RangeError);
  });
});

describe('formatYuan', () => {
  it('writes exactly two decimals', () => {
    assert.equal(formatYuan(0), '0.00');
    assert.equal(formatYuan(5), '0.05');
    assert.equal(formatYuan(50), '0.50');
    assert.equal(formatYuan(100), '1.00');
    assert.equal(formatYuan(123456), '1234.56');
    assert.equal(formatYuan(72000000), '720000.00');
    assert.equal(formatYuan(29000000000), '290000000.00');
    assert.equal(formatYuan(-150), '-1.50');
    assert.equal(formatYuan(-5), '-0.05');
    assert.equal(formatYuan(MAX_FEN), '90071992547409.91');
  });

  it('agrees with BigInt for every safe integer', () => {
    fc.assert(fc.property(fc.maxSafeInteger(), (n) => assert.equal(formatYuan(n), bigYuan(n))));
  });

  it('throws for amounts that are not safe integers', () => {
    assert.throws(() => formatYuan(1.5), RangeError);
    assert.throws(() => formatYuan(2 ** 53), RangeError);
  });
});

describe('yuanToFen', () => {
  it('parses decimal strings exactly', () => {
    assert.equal(yuanToFen('12.30'), 1230);
    assert.equal(yuanToFen('12.3'), 1230);
    assert.equal(yuanToFen('12'), 1200);
    assert.equal(yuanToFen('0.29'), 29); // 0.29 * 100 in floats is 28.999999999999996
    assert.equal(yuanToFen('0.05'), 5);
    assert.equal(yuanToFen(' 720000.00 '), 72000000);
    assert.equal(yuanToFen('90071992547409.91'), MAX_FEN);
  });

  it('rejects more than two decimals, signs, separators and junk', () => {
    for (const s of [
      '12.345',
      '-1',
      '+1',
      '1,000.00',
      '.5',
      '12.',
      '',
      '1e3',
      '¥12',
      '12 .30',
      'NaN',
    ]) {
      assert.throws(() => yuanToFen(s), RangeError, s);
    }
  });

  it('rejects amounts beyond the safe range', () => {
    assert.throws(() => yuanToFen('90071992547409.92'), /exceeds/);
  });

  it('is the inverse of formatYuan', () => {
    fc.assert(fc.property(safeFen, (n) => assert.equal(yuanToFen(formatYuan(n)), n)));
  });
});

describe('@IsFen()', () => {
  class Body {
    @IsFen() amountFen!: unknown;
  }
  class Many {
    @IsFen({ each: true }) amountsFen!: unknown[];
  }

  const problems = (value: unknown) => {
    const body = Object.assign(new Body(), { amountFen: value });
    return validateSync(body).flatMap((e) => Object.values(e.constraints ?? {}));
  };

  it('accepts whole numbers of fen', () => {
    for (const v of [0, 1, 5000000, MAX_FEN]) assert.deepEqual(problems(v), [], String(v));
  });

  it('rejects the rest with the documented message', () => {
    assert.equal(FEN_PROBLEM, 'must be a whole number of fen (分) between 0 and 9007199254740991');
    for (const v of [-1, 12.5, MAX_FEN + 1, '100', null, NaN]) {
      assert.deepEqual(problems(v), [FEN_PROBLEM], String(v));
    }
  });

  it('checks each element with { each: true }', () => {
    const ok = Object.assign(new Many(), { amountsFen: [1, 2] });
    const bad = Object.assign(new Many(), { amountsFen: [1, 2.5] });
    assert.equal(validateSync(ok).length, 0);
    assert.equal(validateSync(bad).length, 1);
  });
});
