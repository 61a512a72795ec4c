import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IntervalClock } from '../../common/stall-aware-interval.ts';
import { HeartbeatMonitor, type Heartbeating } from './heartbeat-monitor.ts';

/** A clock whose single interval timer fires only when the test says so. */
class ManualClock implements IntervalClock {
  time = 1_000_000;
  #callback: (() => void) | undefined;
  now(): number {
    return this.time;
  }
  setInterval(callback: () => void): unknown {
    this.#callback = callback;
    return 1;
  }
  clearInterval(): void {
    this.#callback = undefined;
  }
  /** Time passes by `ms`, then the interval fires once (as a timer does after a freeze too). */
  fireAfter(ms: number): void {
    this.time += ms;
    this.#callback?.();
  }
}

class FakeChannel implements Heartbeating {
  lastPong: number;
  pings = 0;
  deadSince: number | undefined;
  constructor(
    readonly clock: ManualClock,
    readonly answers: boolean,
  ) {
    this.lastPong = clock.time;
  }
  ping(): void {
    this.pings++;
    if (this.answers) this.lastPong = this.clock.time;
  }
  declareDead(since: number): void {
    this.deadSince = since;
  }
}

const settings = { intervalMs: 1000, missed: 3 };

function monitor(clock: ManualClock, stalls: number[]): HeartbeatMonitor {
  const m = new HeartbeatMonitor(settings, (ms) => stalls.push(ms), clock);
  m.start();
  return m;
}

test('a silent connector is declared dead once interval x missed has passed, since its last pong', () => {
  const clock = new ManualClock();
  const silent = new FakeChannel(clock, false);
  const healthy = new FakeChannel(clock, true);
  const m = monitor(clock, []);
  m.watch(silent);
  m.watch(healthy);
  const lastPong = silent.lastPong;
  for (let i = 0; i < 3; i++) clock.fireAfter(1000);
  assert.equal(silent.deadSince, undefined, 'exactly 3 s of silence is not yet over the limit');
  clock.fireAfter(1000);
  assert.equal(silent.deadSince, lastPong);
  assert.equal(healthy.deadSince, undefined);
  assert.equal(healthy.pings, 4);
  m.close();
});

test('a relay stall (timer 3.5 s late) blames no connector: one more interval, and the stall is reported', () => {
  const clock = new ManualClock();
  const stalls: number[] = [];
  const answering = new FakeChannel(clock, true);
  const reallyDead = new FakeChannel(clock, false);
  const m = monitor(clock, stalls);
  m.watch(answering);
  m.watch(reallyDead);
  clock.fireAfter(1000);
  clock.fireAfter(4500); // frozen: the next tick comes 3.5 s late, every pong still unread
  assert.deepEqual(stalls, [3500]);
  assert.equal(answering.deadSince, undefined);
  assert.equal(reallyDead.deadSince, undefined, 'not even a silent one is judged on a stale tick');
  clock.fireAfter(1000);
  assert.equal(answering.deadSince, undefined, 'the pong to the post-stall ping arrived');
  assert.notEqual(reallyDead.deadSince, undefined, 'one interval later a truly silent connector is dead');
  m.close();
});

test('a tick less than half an interval late is no stall', () => {
  const clock = new ManualClock();
  const stalls: number[] = [];
  const m = monitor(clock, stalls);
  clock.fireAfter(1400);
  assert.deepEqual(stalls, []);
  m.close();
});
