import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import {
  coversYear,
  currentFraudTypes,
  findFraudType,
  FRAUD_TYPES,
  isCurrent,
} from './fraud-types.js';

const codes = FRAUD_TYPES.map((t) => t.code);
const HAN = /\p{Script=Han}/u;

describe('FRAUD_TYPES', () => {
  it('holds the 2023 list and the 2024 rename', () => {
    assert.deepEqual([...codes].sort(), [
      'fake_credit',
      'fake_customer_service',
      'fake_investment',
      'fake_loan',
      'fake_shopping',
      'game_trade',
      'impersonate_acquaintance',
      'impersonate_authorities',
      'impersonate_authorities_gov',
      'other',
      'romance',
      'task_rebate',
    ]);
  });

  it('has unique snake_case codes', () => {
    assert.equal(new Set(codes).size, codes.length);
    for (const c of codes) assert.match(c, /^[a-z]+(_[a-z]+)*$/);
  });

  it('gives every code a Chinese label, an English label and a typical script', () => {
    for (const t of FRAUD_TYPES) {
      assert.match(t.zh, HAN, t.code);
      assert.ok(t.en.trim().length > 0 && !HAN.test(t.en), t.code);
      assert.match(t.typicalScript, HAN, t.code);
      assert.ok(t.typicalScript.length >= 15 && t.typicalScript.endsWith('。'), t.code);
    }
    assert.equal(new Set(FRAUD_TYPES.map((t) => t.zh)).size, FRAUD_TYPES.length);
  });

  it('uses the Chinese labels of the ministry list', () => {
    const zh = Object.fromEntries(FRAUD_TYPES.map((t) => [t.code, t.zh]));
    assert.deepEqual(zh, {
      task_rebate: '刷单返利',
      fake_investment: '虚假投资理财',
      fake_loan: '虚假网络贷款',
      fake_customer_service: '冒充电商物流客服',
      impersonate_authorities: '冒充公检法',
      impersonate_authorities_gov: '冒充公检法及政府机关',
      fake_credit: '虚假征信',
      fake_shopping: '虚假购物服务',
      impersonate_acquaintance: '冒充领导熟人',
      game_trade: '网络游戏产品虚假交易',
      romance: '网络婚恋交友',
      other: '其他',
    });
  });

  it('has sane year ranges (the migration checks valid_to >= valid_from too)', () => {
    for (const t of FRAUD_TYPES) {
      assert.ok(Number.isInteger(t.validFrom) && t.validFrom >= 2000, t.code);
      assert.ok(
        t.validTo === null || (Number.isInteger(t.validTo) && t.validTo >= t.validFrom),
        t.code,
      );
    }
  });

  it('shows the 2024 rename as one code ending in 2023 and one starting in 2024', () => {
    const old = findFraudType('impersonate_authorities');
    const renamed = findFraudType('impersonate_authorities_gov');
    assert.ok(old && renamed);
    assert.equal(old.validTo, 2023);
    assert.equal(renamed.validFrom, 2024);
    assert.equal(renamed.validTo, null);
    assert.ok(renamed.zh.startsWith(old.zh));
    assert.deepEqual(
      FRAUD_TYPES.filter((t) => t.validTo !== null).map((t) => t.code),
      ['impersonate_authorities'],
    );
  });
});

describe('isCurrent', () => {
  it('follows the year range, both ends inclusive', () => {
    assert.equal(isCurrent('impersonate_authorities', 2022), false);
    assert.equal(isCurrent('impersonate_authorities', 2023), true);
    assert.equal(isCurrent('impersonate_authorities', 2024), false);
    assert.equal(isCurrent('impersonate_authorities_gov', 2023), false);
    assert.equal(isCurrent('impersonate_authorities_gov', 2024), true);
    assert.equal(isCurrent('impersonate_authorities_gov', 2030), true);
    assert.equal(isCurrent('task_rebate', 2023), true);
    assert.equal(isCurrent('task_rebate', 2022), false);
  });

  it('answers false for unknown codes', () => {
    assert.equal(isCurrent('telecom', 2024), false);
    assert.equal(isCurrent('', 2024), false);
    assert.equal(isCurrent('toString', 2024), false);
    assert.equal(findFraudType('constructor'), undefined);
  });

  it('agrees with coversYear and currentFraudTypes', () => {
    for (const year of [2022, 2023, 2024, 2025]) {
      const current = currentFraudTypes(year).map((t) => t.code);
      assert.deepEqual(
        current,
        FRAUD_TYPES.filter((t) => coversYear(t, year)).map((t) => t.code),
      );
      for (const code of codes) assert.equal(isCurrent(code, year), current.includes(code));
    }
  });

  it('lists eleven codes in 2023 and in 2024, exactly one of the two impersonation codes in each', () => {
    for (const year of [2023, 2024]) {
      const current = currentFraudTypes(year).map((t) => t.code);
      assert.equal(current.length, 11, String(year));
      assert.equal(current.filter((c) => c.startsWith('impersonate_authorities')).length, 1);
    }
  });
});
