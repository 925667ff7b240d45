import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { BatchedCall } from './batched-call.js';

describe('BatchedCall', () => {
  it('runs a lone call at once, then the calls made meanwhile as one batch, each with its result', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const doubled = new BatchedCall<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items.map((i) => i * 2);
    });
    const first = doubled.call(1);
    const rest = [doubled.call(2), doubled.call(3), doubled.call(4)];
    release();
    assert.equal(await first, 2);
    assert.deepEqual(await Promise.all(rest), [4, 6, 8]);
    assert.deepEqual(batches, [[1], [2, 3, 4]]);
  });

  it('gives a failed batch’s error to its callers only, and keeps going', async () => {
    const calls = new BatchedCall<number, number>(async (items) => {
      if (items.includes(0)) throw new Error('zero');
      return items;
    });
    const failing = calls.call(0);
    const next = calls.call(5);
    await assert.rejects(failing, /zero/);
    assert.equal(await next, 5);
    assert.equal(await calls.call(7), 7);
  });

  it('splits what waits into batches of at most maxBatch', async () => {
    const sizes: number[] = [];
    const calls = new BatchedCall<number, number>(async (items) => {
      sizes.push(items.length);
      return items;
    }, 2);
    await Promise.all([1, 2, 3, 4, 5, 6].map((i) => calls.call(i)));
    assert.deepEqual(sizes, [1, 2, 2, 1]);
  });
});
