import { describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { Permits } from './permits.js';

describe('Permits', () => {
  it('gives permits at once while free, then first come, first served', async () => {
    const slots = new Permits(4);
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
    const slots = new Permits(2);
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

  it('takeWithin gives up after its time, takes nothing, and lets those behind it in', async () => {
    const slots = new Permits(2);
    assert.equal(await slots.takeWithin(1, 10), true);
    const big = slots.takeWithin(2, 20); // waits: one permit is taken
    let small = false;
    const c = slots.take(1).then(() => (small = true)); // behind `big`, though one is free
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(small, false);
    assert.equal(await big, false);
    await c;
    assert.equal(small, true);
    // Both permits are taken now; a later one is given when one is back.
    const late = slots.takeWithin(1, 1000);
    slots.give(1);
    assert.equal(await late, true);
  });
});
