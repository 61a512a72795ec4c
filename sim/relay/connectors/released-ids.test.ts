import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReleasedIds } from './released-ids.ts';

test('remembers ids until they expire', () => {
  let now = 0;
  const ids = new ReleasedIds(1000, 10, () => now);
  ids.add('a');
  now = 500;
  ids.add('b');
  assert.equal(ids.has('a'), true);
  now = 1200;
  assert.equal(ids.has('a'), false);
  assert.equal(ids.has('b'), true);
  ids.add('c');
  assert.equal(ids.size, 2, 'expired entries are evicted on add');
});

test('never holds more than its capacity', () => {
  const ids = new ReleasedIds(60_000, 3, () => 0);
  for (const id of ['a', 'b', 'c', 'd']) ids.add(id);
  assert.equal(ids.size, 3);
  assert.equal(ids.has('a'), false, 'the oldest is dropped first');
  assert.equal(ids.has('d'), true);
  assert.throws(() => new ReleasedIds(60_000, 0), RangeError, 'an empty store would have no slot to probe');
});

test('agrees with a plain map through growth, wrap-around, expiry and capacity eviction', () => {
  let now = 0;
  const ttlMs = 5_000;
  const capacity = 3_000;
  const ids = new ReleasedIds(ttlMs, capacity, () => now);
  const model = new Map<string, number>();
  let seed = 7;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let step = 0; step < 20_000; step++) {
    now += Math.floor(random() * 3) + (step % 1_000 === 0 ? Math.floor(random() * 4_000) : 0);
    const id = `req-${step}`;
    ids.add(id);
    for (const [old, expiresAt] of model) {
      if (expiresAt > now && model.size < capacity) break;
      model.delete(old);
    }
    model.set(id, now + ttlMs);
    if (step % 97 === 0) {
      assert.equal(ids.size, model.size, `size at step ${step}`);
      for (let back = 0; back < 4_000; back += 37) {
        const probe = `req-${step - back}`;
        const expected = (model.get(probe) ?? -1) > now;
        assert.equal(ids.has(probe), expected, `has(${probe}) at step ${step}`);
      }
      assert.equal(ids.has(`never-${step}`), false);
    }
  }
});
