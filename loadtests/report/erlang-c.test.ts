import { test } from 'node:test';
import assert from 'node:assert/strict';
import { erlangC, erlangCWaitSeconds } from './erlang-c.ts';

test('Erlang C matches textbook values', () => {
  // c = 2, a = 1 Erlang: P(wait) = 1/3; with S = 1 s, Wq = (1/3) / (2 - 1) = 1/3 s.
  assert.ok(Math.abs(erlangC(2, 1) - 1 / 3) < 1e-9);
  assert.ok(Math.abs(erlangCWaitSeconds(1, 1, 2)! - 1 / 3) < 1e-9);
  // M/M/1: Wq = rho / (mu - lambda)
  assert.ok(Math.abs(erlangCWaitSeconds(0.5, 1, 1)! - 1) < 1e-9);
});

test('at or past saturation there is no steady state', () => {
  assert.equal(erlangCWaitSeconds(160, 0.05, 8), null);
  assert.equal(erlangCWaitSeconds(0, 0.05, 8), 0);
});
