import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from './token-bucket.ts';

test('a bucket allows a burst of exactly its rate, then refills at the rate', () => {
  let now = 0;
  const bucket = new TokenBucket(500, () => now);
  let taken = 0;
  while (bucket.tryTake()) taken++;
  assert.equal(taken, 500);
  assert.equal(bucket.secondsUntilToken(), 1);
  now += 100; // 0.1 s refills 50 tokens
  taken = 0;
  while (bucket.tryTake()) taken++;
  assert.equal(taken, 50);
  now += 10_000;
  taken = 0;
  while (bucket.tryTake()) taken++;
  assert.equal(taken, 500, 'never holds more than one second of tokens');
});

test('Retry-After is at least 1 s even when a token refilled between the refusal and the answer', () => {
  let now = 0;
  const bucket = new TokenBucket(50, () => now);
  while (bucket.tryTake());
  now += 30; // 1.5 tokens back
  assert.equal(bucket.secondsUntilToken(), 1);
});
