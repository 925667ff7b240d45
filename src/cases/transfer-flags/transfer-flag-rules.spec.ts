import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { checkFlagInput } from './transfer-flag-input.js';
import {
  assignedUnit,
  DISSUASION_DUE_MS,
  draftSummary,
  escalationBody,
  hitNotificationBody,
  MAX_LINES,
  riskGrade,
} from './transfer-flag-rules.js';
import { chinaTime } from '../../common/china-time.js';

describe('riskGrade: the amount and the account’s case count', () => {
  it('is high from 50,000 yuan (5,000,000 fen) whatever the history', () => {
    assert.equal(riskGrade(5_000_000, 1), 'high');
    assert.equal(riskGrade(6_000_000, 0), 'high');
    assert.equal(riskGrade(4_999_999, 1), 'medium');
  });

  it('is high when the account is named in 3 or more cases, even for a small amount', () => {
    assert.equal(riskGrade(100, 3), 'high');
    assert.equal(riskGrade(100, 12), 'high');
  });

  it('is medium from 5,000 yuan (500,000 fen) or 2 cases', () => {
    assert.equal(riskGrade(500_000, 1), 'medium');
    assert.equal(riskGrade(499_999, 1), 'low');
    assert.equal(riskGrade(100, 2), 'medium');
  });

  it('is low below both thresholds', () => {
    assert.equal(riskGrade(1, 1), 'low');
    assert.equal(riskGrade(499_999, 0), 'low');
  });

  it('never goes down when the amount or the case count goes up', () => {
    const rank = { low: 0, medium: 1, high: 2 } as const;
    const amounts = [1, 499_999, 500_000, 4_999_999, 5_000_000, 9_000_000];
    for (const [i, a] of amounts.entries()) {
      for (let cases = 0; cases <= 4; cases++) {
        const here = rank[riskGrade(a, cases)];
        if (i > 0) assert.ok(here >= rank[riskGrade(amounts[i - 1], cases)]);
        if (cases > 0) assert.ok(here >= rank[riskGrade(a, cases - 1)]);
      }
    }
  });
});

describe('assignedUnit: the unit following the account', () => {
  it('is the owning unit of the most recently reported case', () => {
    const unit = assignedUnit([
      { caseId: 'a', unitId: 'old', reportedAt: new Date('2026-01-01T00:00:00Z') },
      { caseId: 'b', unitId: 'new', reportedAt: new Date('2026-06-01T00:00:00Z') },
      { caseId: 'c', unitId: 'mid', reportedAt: new Date('2026-03-01T00:00:00Z') },
    ]);
    assert.equal(unit, 'new');
  });

  it('breaks ties by case id, whatever the order given', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const cases = [
      { caseId: 'b', unitId: 'B', reportedAt: at },
      { caseId: 'a', unitId: 'A', reportedAt: at },
    ];
    assert.equal(assignedUnit(cases), 'B');
    assert.equal(assignedUnit([...cases].reverse()), 'B');
  });

  it('is null without cases', () => {
    assert.equal(assignedUnit([]), null);
  });
});

describe('notification text', () => {
  const hit = {
    caseNo: 'GY-YY-WA-2026-000001',
    payeeAccount: '6222021234567890128',
    amountFen: 6_000_000,
    bankName: '中国工商银行贵阳分行',
    occurredAt: new Date('2026-11-21T02:02:00Z'),
    dissuasion: { dueAt: new Date('2026-11-21T02:35:00Z'), riskGrade: 'high' as const },
  };

  it('shows China time', () => {
    assert.equal(chinaTime(new Date('2026-11-21T16:30:00Z')), '2026-11-22 00:30');
    assert.equal(DISSUASION_DUE_MS, 1_800_000);
  });

  it('names the case, the masked account, the yuan amount, the bank and the due time', () => {
    const body = hitNotificationBody([hit]);
    assert.ok(body.includes('GY-YY-WA-2026-000001'));
    assert.ok(body.includes('622202*********0128'));
    assert.ok(!body.includes('6222021234567890128'), 'the full account is not in the text');
    assert.ok(body.includes('60000.00元'));
    assert.ok(body.includes('中国工商银行贵阳分行'));
    assert.ok(body.includes('2026-11-21 10:35前'), body);
    assert.ok(body.includes('风险高'));
  });

  it('leaves the dissuasion out when there is none, and lists several hits', () => {
    assert.ok(!hitNotificationBody([{ ...hit, dissuasion: null }]).includes('劝阻'));
    const many = hitNotificationBody(Array.from({ length: MAX_LINES + 3 }, () => hit));
    assert.ok(many.startsWith(`${MAX_LINES + 3}笔可疑交易`));
    assert.ok(many.includes(`${MAX_LINES}. `));
    assert.ok(!many.includes(`${MAX_LINES + 1}. `));
    assert.ok(many.includes('另有3条'));
  });

  it('escalates with masked accounts and the passed due time', () => {
    const body = escalationBody([
      {
        payerAccount: '6212262402001234567',
        payeeAccount: '6222021234567890128',
        amountFen: 50_000,
        bankName: '中国工商银行贵阳分行',
        riskGrade: 'low',
        dueAt: new Date('2026-11-21T02:35:00Z'),
      },
    ]);
    assert.ok(body.includes('621226*********4567'));
    assert.ok(body.includes('500.00元'));
    assert.ok(body.includes('2026-11-21 10:35'));
  });

  it('drafts a case summary without the payer’s name and with the payer’s account masked', () => {
    const summary = draftSummary({
      bankName: '中国工商银行贵阳分行',
      externalRef: 'REF-1',
      payerAccount: '6212262402001234567',
      payeeAccount: '6222021234567890128',
      amountFen: 6_000_000,
      occurredAt: new Date('2026-11-21T02:02:00Z'),
      reason: '大额转账',
    });
    assert.ok(summary.includes('6222021234567890128'), 'the fraud account is in clear');
    assert.ok(summary.includes('621226*********4567'));
    assert.ok(summary.includes('60000.00元'));
  });
});

describe('checkFlagInput: one flag of a request', () => {
  const valid = {
    payerAccount: '6212 2624 0200 1234 567',
    payerName: ' 王某 ',
    payeeAccount: '6222-0212-3456-7890-128',
    amountFen: 6_000_000,
    occurredAt: '2026-11-21T10:02:00+08:00',
    reason: '大额转账',
    externalRef: 'REF-1',
  };

  it('normalizes accounts to digits and trims names', () => {
    const r = checkFlagInput(valid);
    assert.ok(r.ok);
    assert.equal(r.flag.payerAccount, '6212262402001234567');
    assert.equal(r.flag.payeeAccount, '6222021234567890128');
    assert.equal(r.flag.payerName, '王某');
    assert.equal(r.flag.payeeName, null);
    assert.equal(r.flag.occurredAt.toISOString(), '2026-11-21T02:02:00.000Z');
  });

  it('names each bad field', () => {
    const r = checkFlagInput({
      ...valid,
      payeeAccount: '62-abc',
      amountFen: 0,
      occurredAt: '2026-11-21T10:02:00',
      extra: 1,
    });
    assert.ok(!r.ok);
    assert.equal(r.externalRef, 'REF-1');
    const fields = r.problems.map((p) => p.field).sort();
    assert.deepEqual(fields, ['amountFen', 'extra', 'occurredAt', 'payeeAccount']);
    assert.equal(
      r.problems.find((p) => p.field === 'payeeAccount')?.problem,
      'must contain only digits',
    );
  });

  it('refuses a missing field, a fractional amount, a NUL and a non-object', () => {
    const { reason: _r, ...noReason } = valid;
    const missing = checkFlagInput(noReason);
    assert.ok(!missing.ok && missing.problems.some((p) => p.field === 'reason'));
    const fraction = checkFlagInput({ ...valid, amountFen: 1.5 });
    assert.ok(!fraction.ok && fraction.problems.some((p) => p.field === 'amountFen'));
    const nul = checkFlagInput({ ...valid, reason: 'a\u0000b' });
    assert.ok(!nul.ok && nul.problems.some((p) => p.field === 'reason'));
    const notObject = checkFlagInput('flag');
    assert.ok(!notObject.ok && notObject.externalRef === null);
  });
});
