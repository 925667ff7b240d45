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
  MAX_AMOUNT_FEN,
  parseFenFromDb,
  parseFenTotalFromDb,
  totalFen,
  yuanToFen,
} from './money.js';

/** Yuan from fen through BigInt, as an independent reference for formatYuan. */
function bigYuan(fen: number): string {
  const b = BigInt(fen);
  const abs = b < 0n ? -b : b;
  return `${b < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

const MAX_FEN = Number.MAX_SAFE_INTEGER;

describe('isValidFen', () => {
  it('accepts whole numbers from 0 to 10^12 fen (100亿元)', () => {
    assert.equal(MAX_AMOUNT_FEN, 10 ** 12);
    for (const n of [0, 1, 5000000, MAX_AMOUNT_FEN]) assert.equal(isValidFen(n), true, String(n));
  });

  it('rejects fractions, negatives, amounts over the ceiling and non-numbers', () => {
    for (const v of [
      -1,
      0.5,
      12.3,
      MAX_AMOUNT_FEN + 1,
      MAX_FEN,
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

describe('totals over unbounded rows', () => {
  it('are exact up to MAX_SAFE_INTEGER', () => {
    assert.equal(parseFenTotalFromDb('0'), 0);
    assert.equal(parseFenTotalFromDb('9007199254740991'), MAX_FEN);
    assert.equal(parseFenTotalFromDb(42), 42);
    assert.equal(totalFen([]), 0);
    assert.equal(totalFen([MAX_FEN - 1, 1]), MAX_FEN);
  });

  it('agree with BigInt, capped at MAX_SAFE_INTEGER', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 52 }), { maxLength: 8 }), (values) => {
        const exact = values.reduce((a, v) => a + BigInt(v), 0n);
        const capped = exact > BigInt(MAX_FEN) ? BigInt(MAX_FEN) : exact;
        assert.equal(BigInt(totalFen(values)), capped);
        assert.equal(BigInt(parseFenTotalFromDb(String(exact))), capped);
      }),
    );
  });

  it('saturate at MAX_SAFE_INTEGER beyond it instead of failing the read', () => {
    assert.equal(parseFenTotalFromDb('9007199254740992'), MAX_FEN);
    assert.equal(parseFenTotalFromDb('99999999999999999999999'), MAX_FEN);
    assert.equal(totalFen([MAX_FEN, MAX_FEN]), MAX_FEN);
  });

  it('still refuse NULL, fractions and non-integers', () => {
    assert.throws(() => parseFenTotalFromDb(null), /NULL/);
    assert.throws(() => parseFenTotalFromDb('1.5'), TypeError);
    assert.throws(() => totalFen([0.5]), RangeError);
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
    assert.equal(yuanToFen('10000000000.00'), MAX_AMOUNT_FEN);
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

  it('rejects amounts beyond the ceiling', () => {
    assert.throws(() => yuanToFen('10000000000.01'), /exceeds/);
    assert.throws(() => yuanToFen('90071992547409.92'), /exceeds/);
  });

  it('is the inverse of formatYuan', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_AMOUNT_FEN }), (n) =>
        assert.equal(yuanToFen(formatYuan(n)), n),
      ),
    );
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
    for (const v of [0, 1, 5000000, MAX_AMOUNT_FEN]) assert.deepEqual(problems(v), [], String(v));
  });

  it('rejects the rest with the documented message', () => {
    assert.equal(
      FEN_PROBLEM,
      'must be a whole number of fen (分) between 0 and 1000000000000 (100亿元)',
    );
    for (const v of [-1, 12.5, MAX_AMOUNT_FEN + 1, MAX_FEN, '100', null, NaN]) {
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
