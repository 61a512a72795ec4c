import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.ts';

const settings = { initialMs: 100, maxMs: 1000, resetAfterMs: 5000 };

test('the ceiling doubles per attempt up to the maximum (random pinned to its top)', () => {
  const backoff = new Backoff(settings, { now: () => 0, random: () => 0.999999 });
  const delays = Array.from({ length: 6 }, () => backoff.nextDelayMs());
  assert.deepEqual(delays, [99, 199, 399, 799, 999, 999]);
});

test('full jitter spreads delays down to zero', () => {
  const backoff = new Backoff(settings, { now: () => 0, random: () => 0 });
  assert.equal(backoff.nextDelayMs(), 0);
});

test('a connection that stayed up past resetAfterMs starts over; a short one does not', () => {
  let now = 0;
  const backoff = new Backoff(settings, { now: () => now, random: () => 0.999999 });
  backoff.nextDelayMs();
  backoff.nextDelayMs();
  backoff.connected();
  now += 1000;
  assert.equal(backoff.nextDelayMs(), 399, 'short-lived connection keeps escalating');
  backoff.connected();
  now += 6000;
  assert.equal(backoff.nextDelayMs(), 99, 'stable connection resets');
});
