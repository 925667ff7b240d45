import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { findSpikes, isoWeekKey, trendWarningText, TrendCount } from './trend.js';

const count = (recent: number, history: number[], fraudType = 'task_rebate'): TrendCount => ({
  stationId: 's1',
  fraudType,
  recent,
  history,
});
const T = { minCases: 5, factor: 2 };

describe('trend scan decision', () => {
  it('flags a count at the minimum and above factor × the weekly mean', () => {
    const [s] = findSpikes([count(5, [1, 1, 1, 1, 1, 1, 1, 1])], T);
    assert.deepEqual(s, {
      stationId: 's1',
      fraudType: 'task_rebate',
      recent: 5,
      historyTotal: 8,
      historyWeeks: 8,
      weeklyMean: 1,
    });
  });

  it('does not flag below the minimum, however steep the rise', () => {
    assert.deepEqual(findSpikes([count(4, [0, 0, 0, 0, 0, 0, 0, 0])], T), []);
  });

  it('does not flag at exactly factor × the mean (must exceed it)', () => {
    // mean 3 → 2 × 3 = 6: six is not more than six.
    assert.deepEqual(findSpikes([count(6, [3, 3, 3, 3, 3, 3, 3, 3])], T), []);
    assert.equal(findSpikes([count(7, [3, 3, 3, 3, 3, 3, 3, 3])], T).length, 1);
  });

  it('with no history the minimum alone decides; missing weeks count as zero', () => {
    assert.equal(findSpikes([count(5, [])], T).length, 1);
    const [s] = findSpikes([count(6, [8])], T); // mean 1 over 8 weeks
    assert.equal(s.weeklyMean, 1);
  });

  it('uses only the configured number of history weeks', () => {
    const c = count(6, [0, 0, 0, 0, 0, 0, 0, 0, 100]);
    assert.equal(findSpikes([c], T).length, 1);
  });

  it('takes a fractional factor', () => {
    // mean 2 → 1.5 × 2 = 3 < 5
    assert.equal(
      findSpikes([count(5, [2, 2, 2, 2, 2, 2, 2, 2])], { minCases: 5, factor: 1.5 }).length,
      1,
    );
    assert.equal(
      findSpikes([count(5, [4, 4, 4, 4, 4, 4, 4, 4])], { minCases: 5, factor: 1.5 }).length,
      0,
    );
  });

  it('judges each station and type on its own', () => {
    const spikes = findSpikes(
      [count(9, [], 'task_rebate'), count(2, [], 'fake_loan'), count(20, [], 'fake_investment')],
      T,
    );
    assert.deepEqual(
      spikes.map((s) => [s.fraudType, s.recent]),
      [
        ['fake_investment', 20],
        ['task_rebate', 9],
      ],
    );
  });

  it('names the ISO week in China Standard Time', () => {
    assert.equal(isoWeekKey(Date.parse('2026-11-23T00:00:00+08:00')), '2026-W48'); // Monday
    assert.equal(isoWeekKey(Date.parse('2026-11-22T23:59:59+08:00')), '2026-W47'); // Sunday
    assert.equal(isoWeekKey(Date.parse('2026-11-22T16:30:00Z')), '2026-W48'); // Monday 00:30 CST
    assert.equal(isoWeekKey(Date.parse('2021-01-03T12:00:00+08:00')), '2020-W53');
    assert.equal(isoWeekKey(Date.parse('2024-12-30T12:00:00+08:00')), '2025-W01');
  });

  it('writes the figures and the typical script in Chinese', () => {
    const [s] = findSpikes([count(6, [1, 0, 1, 0, 1, 0, 1, 0])], T);
    const text = trendWarningText(s, '黔灵派出所', '刷单返利', '动动手指就能赚钱');
    assert.match(text.title, /黔灵派出所辖区刷单返利/);
    assert.match(text.body, /近7日黔灵派出所辖区共接报刷单返利类案件 6 起/);
    assert.match(text.body, /此前8周共 4 起，周均 0\.5 起，为周均值的 12\.0 倍/);
    assert.match(text.body, /典型话术：动动手指就能赚钱/);
  });
});
