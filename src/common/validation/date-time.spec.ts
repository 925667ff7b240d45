import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import {
  dateProblem,
  dateTimeProblem,
  FILTER_BOUND,
  IsCalendarDate,
  IsDateTime,
  parseDateTime,
  PAST_DAY,
  PAST_EVENT,
  PLANNED_DAY,
  SCHEDULED,
} from './date-time.js';

const NOW = Date.parse('2026-11-21T10:00:00+08:00');
const past = (v: unknown) => dateTimeProblem(v, PAST_EVENT, NOW);

describe('dateTimeProblem', () => {
  it('accepts RFC 3339 date-times with an offset', () => {
    for (const v of [
      '2026-11-21T09:30:00+08:00',
      '2026-11-21T01:30:00Z',
      '2026-11-21t01:30:00z',
      '2026-11-21T09:30:00.123456789+08:00',
      '2000-01-01T00:00:00+08:00',
      '2024-02-29T12:00:00-05:30',
    ]) {
      assert.equal(past(v), null, v);
    }
    assert.equal(
      parseDateTime('2026-11-21T09:30:00.5+08:00')?.toISOString(),
      '2026-11-21T01:30:00.500Z',
    );
    assert.equal(
      parseDateTime('2026-11-21T09:30:00-00:30')?.toISOString(),
      '2026-11-21T10:00:00.000Z',
    );
  });

  it('refuses other ISO 8601 forms and anything not a string', () => {
    for (const v of [
      '0000',
      '20261121',
      '2026-W47',
      '2026-W47-1',
      '2026-325',
      '2026-11-21',
      '2026-11-21T09:30:00',
      '2026-11-21T09:30+08:00',
      '2026-11-21 09:30:00+08:00',
      '20261121T093000Z',
      '2026-11-21T09:30:00+0800',
      '2026-11-21T09:30:00+08',
      '+002026-11-21T09:30:00Z',
      '2026-11-21T09:30:00.Z',
      '2026-11-21T09:30:00.1234567890Z',
      ' 2026-11-21T09:30:00Z',
      '',
      null,
      undefined,
      20261121,
      ['2026-11-21T09:30:00Z'],
      {},
    ]) {
      assert.match(past(v) ?? '', /^must be an RFC 3339 date-time with an offset/, String(v));
    }
  });

  it('refuses dates and times that do not exist', () => {
    for (const v of [
      '2026-02-29T10:00:00Z',
      '2026-02-30T10:00:00Z',
      '2026-13-01T10:00:00Z',
      '2026-00-10T10:00:00Z',
      '2026-11-00T10:00:00Z',
      '2026-11-21T24:00:00Z',
      '2026-11-21T23:60:00Z',
      '2026-11-21T23:59:60Z',
      '2026-11-21T09:30:00+24:00',
      '2026-11-21T09:30:00+08:60',
    ]) {
      assert.match(past(v) ?? '', /^is not a real date and time/, v);
    }
  });

  it('keeps when a fraud happened or was reported between 2000 and a day from now', () => {
    assert.equal(past('1999-12-31T23:59:59+08:00'), 'must not be before 2000-01-01T00:00:00+08:00');
    assert.equal(past('1999-12-31T16:00:00Z'), null);
    assert.equal(past('0001-01-01T00:00:00Z'), 'must not be before 2000-01-01T00:00:00+08:00');
    assert.equal(past('2026-11-22T10:00:00+08:00'), null);
    assert.equal(past('2026-11-22T10:00:01+08:00'), 'must not be more than 1 day from now');
    assert.equal(past('9999-12-31T23:59:59Z'), 'must not be more than 1 day from now');
  });

  it('lets a warning be scheduled up to a year ahead, and a filter span 2000 to 2100', () => {
    assert.equal(dateTimeProblem('2027-11-21T10:00:00+08:00', SCHEDULED, NOW), null);
    assert.equal(
      dateTimeProblem('2027-11-23T10:00:00+08:00', SCHEDULED, NOW),
      'must not be more than 366 days from now',
    );
    assert.equal(dateTimeProblem('2099-12-31T00:00:00Z', FILTER_BOUND, NOW), null);
    assert.equal(
      dateTimeProblem('2100-01-02T00:00:00Z', FILTER_BOUND, NOW),
      'must not be after 2100-01-01T00:00:00+08:00',
    );
  });
});

describe('dateProblem', () => {
  it('accepts YYYY-MM-DD within the range, today counted in China', () => {
    assert.equal(dateProblem('2026-11-21', PAST_DAY, NOW), null);
    assert.equal(dateProblem('2026-11-22', PAST_DAY, NOW), null);
    assert.equal(dateProblem('2026-11-23', PAST_DAY, NOW), 'must not be after 2026-11-22');
    // 20:00 UTC on the 21st is already the 22nd in China.
    assert.equal(dateProblem('2026-11-23', PAST_DAY, Date.parse('2026-11-21T20:00:00Z')), null);
    assert.equal(dateProblem('2027-11-22', PLANNED_DAY, NOW), null);
    assert.equal(dateProblem('1999-12-31', PAST_DAY, NOW), 'must not be before 2000-01-01');
  });

  it('refuses other forms and days that do not exist', () => {
    for (const v of [
      '0000',
      '20261121',
      '2026-W47-1',
      '2026-325',
      '2026-11-21T00:00:00Z',
      7,
      null,
    ]) {
      assert.equal(dateProblem(v, PAST_DAY, NOW), 'must be a date as YYYY-MM-DD, e.g. 2026-11-21');
    }
    assert.equal(dateProblem('2026-02-29', PAST_DAY, NOW), 'is not a real date');
    assert.equal(dateProblem('0000-01-01', PAST_DAY, NOW), 'must not be before 2000-01-01');
  });
});

describe('the decorators', () => {
  class Dto {
    @IsDateTime(PAST_EVENT) at!: unknown;
    @IsCalendarDate(PAST_DAY) on!: unknown;
  }

  it('answer the same problem as the functions, naming the field', () => {
    const dto = Object.assign(new Dto(), { at: '2026-W47', on: '2026-02-30' });
    const errors = validateSync(dto);
    assert.deepEqual(
      errors.map((e) => [e.property, Object.values(e.constraints ?? {})]),
      [
        ['at', [dateTimeProblem('2026-W47', PAST_EVENT)]],
        ['on', ['is not a real date']],
      ],
    );
    const ok = Object.assign(new Dto(), { at: '2026-11-21T09:30:00+08:00', on: '2026-11-21' });
    assert.deepEqual(validateSync(ok), []);
  });
});

describe('parseDateTime against the calendar of Date', () => {
  /** The reference: every field through Date's own setters (slow, obviously right). */
  function reference(value: string): Date | null {
    const m =
      /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/.exec(
        value,
      );
    if (!m) return null;
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
    const d = new Date(0);
    d.setUTCFullYear(year, month - 1, day);
    if (d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day || month < 1 || day < 1) {
      return null;
    }
    if (hour > 23 || minute > 59 || second > 59) return null;
    if (m[8] && (Number(m[9]) > 23 || Number(m[10]) > 59)) return null;
    const offset = m[8] ? (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) : 0;
    d.setUTCHours(hour, minute, second, Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3)));
    return new Date(d.getTime() - offset * 60_000);
  }

  it('gives the same instant or the same refusal for any digits in the format', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const text = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
        two(14),
        two(32),
        two(25),
        two(61),
        two(61),
        fc.option(fc.stringMatching(/^\d{1,9}$/), { nil: undefined }),
        fc.constantFrom('Z', 'z', '+', '-'),
        two(25),
        two(61),
      )
      .map(
        ([y, mo, d, h, mi, s, frac, zone, oh, om]) =>
          `${y}-${mo}-${d}T${h}:${mi}:${s}${frac === undefined ? '' : `.${frac}`}` +
          (zone === '+' || zone === '-' ? `${zone}${oh}:${om}` : zone),
      );
    fc.assert(
      fc.property(text, (v) => {
        assert.equal(parseDateTime(v)?.getTime(), reference(v)?.getTime(), v);
      }),
      { numRuns: 20_000 },
    );
    for (const v of ['0000-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '0099-12-31T23:59:59Z']) {
      assert.equal(parseDateTime(v)?.getTime(), reference(v)?.getTime(), v);
    }
  });
});
