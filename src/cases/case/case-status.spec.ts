import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../../common/http/errors.js';
import {
  assertTransition,
  canTransition,
  CASE_STATUS_LABELS,
  CASE_STATUSES,
  ALLOWED_TRANSITIONS,
  CaseStatus,
  INITIAL_CASE_STATUS,
  isCaseStatus,
  isTerminal,
  nextStatuses,
} from './case-status.js';

/** The workflow of docs/ARCHITECTURE.md, written out once more by hand as the reference. */
const ALLOWED = new Set([
  'reported→registered',
  'reported→rejected',
  'registered→investigating',
  'investigating→solved',
  'investigating→suspended',
  'suspended→investigating',
  'solved→closed',
]);

const pairs: [CaseStatus, CaseStatus][] = CASE_STATUSES.flatMap((from) =>
  CASE_STATUSES.map((to): [CaseStatus, CaseStatus] => [from, to]),
);

describe('case statuses', () => {
  it('are the seven of docs/ARCHITECTURE.md, with Chinese labels', () => {
    assert.deepEqual([...CASE_STATUSES].sort(), [
      'closed',
      'investigating',
      'registered',
      'rejected',
      'reported',
      'solved',
      'suspended',
    ]);
    assert.deepEqual(CASE_STATUS_LABELS, {
      reported: '报案',
      registered: '立案',
      investigating: '侦查中',
      solved: '破案',
      closed: '结案',
      rejected: '不予立案',
      suspended: '中止',
    });
    assert.equal(INITIAL_CASE_STATUS, 'reported');
  });

  it('the table names only known statuses', () => {
    assert.deepEqual(Object.keys(ALLOWED_TRANSITIONS).sort(), [...CASE_STATUSES].sort());
    for (const to of Object.values(ALLOWED_TRANSITIONS).flat()) assert.ok(isCaseStatus(to), to);
  });

  it('isCaseStatus knows the statuses and nothing else', () => {
    for (const s of CASE_STATUSES) assert.equal(isCaseStatus(s), true);
    for (const s of ['', 'Reported', 'open', 'toString', '__proto__'])
      assert.equal(isCaseStatus(s), false, s);
  });
});

describe('canTransition', () => {
  it(`answers every one of the ${CASE_STATUSES.length ** 2} pairs as the workflow says`, () => {
    assert.equal(pairs.length, 49);
    for (const [from, to] of pairs) {
      assert.equal(canTransition(from, to), ALLOWED.has(`${from}→${to}`), `${from} → ${to}`);
    }
  });

  it('allows exactly the seven transitions', () => {
    assert.equal(pairs.filter(([from, to]) => canTransition(from, to)).length, ALLOWED.size);
  });

  it('never allows staying in the same status', () => {
    for (const s of CASE_STATUSES) assert.equal(canTransition(s, s), false, s);
  });

  it('answers false for strings that are not statuses', () => {
    assert.equal(canTransition('open' as CaseStatus, 'registered'), false);
    assert.equal(canTransition('reported', 'toString' as CaseStatus), false);
    assert.equal(canTransition('constructor' as CaseStatus, 'reported'), false);
  });
});

describe('terminal statuses', () => {
  it('closed and rejected have no exits; every other status has one', () => {
    const terminal = CASE_STATUSES.filter(isTerminal);
    assert.deepEqual([...terminal].sort(), ['closed', 'rejected']);
    for (const s of terminal) {
      assert.deepEqual(nextStatuses(s), []);
      for (const to of CASE_STATUSES) assert.equal(canTransition(s, to), false, `${s} → ${to}`);
    }
  });

  it('every status is reachable from reported, and a terminal status from every status', () => {
    const reach = (start: CaseStatus) => {
      const seen = new Set<CaseStatus>([start]);
      const queue = [start];
      for (let s = queue.shift(); s; s = queue.shift()) {
        for (const n of nextStatuses(s)) {
          if (seen.has(n)) continue;
          seen.add(n);
          queue.push(n);
        }
      }
      return seen;
    };
    assert.equal(reach('reported').size, CASE_STATUSES.length);
    for (const s of CASE_STATUSES) assert.ok([...reach(s)].some(isTerminal), s);
  });
});

describe('assertTransition', () => {
  it('passes an allowed transition', () => {
    for (const t of ALLOWED) {
      const [from, to] = t.split('→') as [CaseStatus, CaseStatus];
      assert.doesNotThrow(() => assertTransition(from, to));
    }
  });

  it('throws a 409 for every other pair', () => {
    for (const [from, to] of pairs) {
      if (ALLOWED.has(`${from}→${to}`)) continue;
      assert.throws(
        () => assertTransition(from, to),
        (e: unknown) =>
          e instanceof ApiError &&
          e.getStatus() === HttpStatus.CONFLICT &&
          e.message.includes(from) &&
          e.message.includes(to) &&
          e.details.length === 1 &&
          e.details[0].field === 'to',
        `${from} → ${to}`,
      );
    }
  });

  it('names from, to and the allowed next statuses', () => {
    try {
      assertTransition('reported', 'solved');
      assert.fail('expected a conflict');
    } catch (e) {
      assert.ok(e instanceof ApiError);
      assert.equal(
        e.message,
        'A case cannot go from reported (报案) to solved (破案); allowed next: registered (立案), rejected (不予立案)',
      );
      assert.deepEqual(e.details, [
        { field: 'to', problem: 'is not allowed from reported (allowed: registered, rejected)' },
      ]);
    }
  });

  it('says a terminal status is final', () => {
    assert.throws(() => assertTransition('closed', 'investigating'), {
      message:
        'A case cannot go from closed (结案) to investigating (侦查中); allowed next: none, closed is final',
    });
  });
});
