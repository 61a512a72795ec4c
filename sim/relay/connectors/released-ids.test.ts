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
});
