import { describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { SendSlots } from './send-slots.js';

describe('SendSlots', () => {
  it('gives permits at once while free, then first come, first served', async () => {
    const slots = new SendSlots(4);
    await slots.take(3);
    const order: string[] = [];
    const a = slots.take(2).then(() => order.push('a'));
    const b = slots.take(1).then(() => order.push('b'));
    await new Promise((r) => setTimeout(r, 10));
    // One permit is free, but `a` came first and needs two: `b` waits behind it.
    assert.deepEqual(order, []);
    slots.give(1);
    await a;
    assert.deepEqual(order, ['a']);
    slots.give(1);
    await b;
    assert.deepEqual(order, ['a', 'b']);
  });

  it('never asks for more than it has, nor holds more than its size', async () => {
    const slots = new SendSlots(2);
    await slots.take(5);
    slots.give(10);
    await slots.take(2);
    let got = false;
    const c = slots.take(1).then(() => (got = true));
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(got, false);
    slots.give(1);
    await c;
  });
});
