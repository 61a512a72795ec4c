import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDispatchPolicy, type SlotHolder } from './dispatch-policy.ts';

const holders = (...inflight: number[]): SlotHolder[] => inflight.map((n) => ({ accepting: true, inflightCount: n, slots: 2 }));

test('round-robin cycles through connectors and skips full ones', () => {
  const pick = createDispatchPolicy<SlotHolder>('round-robin');
  const c = holders(0, 2, 0);
  assert.equal(pick(c), c[0]);
  assert.equal(pick(c), c[2]);
  assert.equal(pick(c), c[0]);
});

test('least-pending picks the connector with the fewest in flight', () => {
  const pick = createDispatchPolicy<SlotHolder>('least-pending');
  const c = holders(1, 0, 1);
  assert.equal(pick(c), c[1]);
});

test('random picks only among connectors with a free slot, uniformly', () => {
  let seed = 1;
  const pick = createDispatchPolicy<SlotHolder>('random', () => (seed = (seed * 16807) % 2147483647) / 2147483647);
  const c = holders(0, 2, 0);
  const counts = new Map<SlotHolder, number>();
  for (let i = 0; i < 10_000; i++) {
    const chosen = pick(c)!;
    counts.set(chosen, (counts.get(chosen) ?? 0) + 1);
  }
  assert.equal(counts.get(c[1]!), undefined);
  assert.ok(Math.abs((counts.get(c[0]!) ?? 0) - 5000) < 300, `share ${counts.get(c[0]!)}`);
});

test('every policy returns undefined when all slots are taken', () => {
  for (const name of ['random', 'round-robin', 'least-pending'] as const) {
    assert.equal(createDispatchPolicy<SlotHolder>(name)(holders(2, 2)), undefined, name);
    assert.equal(createDispatchPolicy<SlotHolder>(name)([]), undefined, name);
  }
});

test('a draining connector gets no new requests', () => {
  const c = [
    { accepting: false, inflightCount: 0, slots: 2 },
    { accepting: true, inflightCount: 1, slots: 2 },
  ];
  for (const name of ['random', 'round-robin', 'least-pending'] as const) {
    assert.equal(createDispatchPolicy<SlotHolder>(name)(c), c[1], name);
  }
});

test('sessions (no slot needed) may go to a connector whose slots are all taken', () => {
  const c = holders(2, 2);
  for (const name of ['random', 'round-robin', 'least-pending'] as const) {
    assert.equal(createDispatchPolicy<SlotHolder>(name)(c, true), undefined, name);
    assert.ok(createDispatchPolicy<SlotHolder>(name)(c, false), name);
  }
});

test('least-pending rotates among equally loaded connectors', () => {
  const pick = createDispatchPolicy<SlotHolder>('least-pending');
  const c = holders(0, 0, 0);
  assert.equal(new Set([pick(c), pick(c), pick(c)]).size, 3);
});
