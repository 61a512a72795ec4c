import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../common/clock.ts';
import { CAPACITY_PRESETS } from './capacity-model.ts';
import { drawServiceMs, VirtualCpus } from './virtual-cpus.ts';

function cpus(model: Omit<ConstructorParameters<typeof VirtualCpus>[0], 'tailSigma'> & { tailSigma?: number }, random = Math.random) {
  const clock = new ManualClock();
  const waits: number[] = [];
  const late: number[] = [];
  const vcpus = new VirtualCpus({ tailSigma: 0.5, ...model }, { waited: (ms) => waits.push(ms), late: (ms) => late.push(ms) }, clock, random);
  return { clock, waits, late, vcpus };
}

test('two virtual CPUs serve two requests at once; the third waits for the first free one, and the wait is reported', async () => {
  const { clock, waits, vcpus } = cpus({ cores: 2, perRequestMs: 10, perKiBMs: 0 }, () => 0.25);
  const done: number[] = [];
  for (let i = 0; i < 3; i++) void vcpus.request().then(() => done.push(i));
  assert.deepEqual(waits.slice(0, 2), [0, 0]);
  assert.ok(waits[2]! > 0, 'the third waits');
  clock.advance(waits[2]!);
  await Promise.resolve();
  assert.deepEqual(done.sort(), [0, 1]);
  clock.advance(1000);
  await Promise.resolve();
  assert.deepEqual(done.sort(), [0, 1, 2]);
});

test("the mean service time is the model's: 100,000 requests on the 2-core preset take cores / 586 s each on average", () => {
  const { waits, vcpus } = cpus({ ...CAPACITY_PRESETS[2].model });
  // Offer all at once: the CPUs are booked back to back, so the last start / 2 cores is the mean.
  // (σ 1.4: the mean of 100,000 draws is within 3 % but for about 1 run in 10,000.)
  for (let i = 0; i < 100_000; i++) void vcpus.request();
  const busyMs = waits.at(-1)!;
  const tps = (100_000 / busyMs) * 1000;
  assert.ok(Math.abs(tps - 586) / 586 < 0.03, `saturated throughput ${tps.toFixed(0)} TPS; model 586`);
});

test('maxTps spaces request starts (the 8- and 16-core plateau)', () => {
  const { waits, vcpus } = cpus({ ...CAPACITY_PRESETS[16].model });
  for (let i = 0; i < 1200; i++) void vcpus.request();
  assert.ok(Math.abs(waits.at(-1)! - 1199 * (1000 / 1200)) < 1, `the 1200th starts after ${waits.at(-1)!.toFixed(1)} ms`);
});

test('bytes cost per KiB; the host running late behind the model is reported', () => {
  // A host that fires every timer only when it gets round to it, here 200 ms in.
  let now = 0;
  const pending: (() => void)[] = [];
  const slowHost = { now: () => now, setTimeout: (callback: () => void) => pending.push(callback), clearTimeout: () => undefined };
  const waits: number[] = [];
  const late: number[] = [];
  const vcpus = new VirtualCpus(
    { cores: 1, perRequestMs: 1, tailSigma: 0.5, perKiBMs: 0.5 },
    { waited: (ms) => waits.push(ms), late: (ms) => late.push(ms) },
    slowHost,
  );
  void vcpus.bytes(10 * 1024); // 5 ms
  void vcpus.bytes(2048); // waits 5 ms, then 1 ms
  assert.deepEqual(waits, [0, 5]);
  now = 200;
  for (const fire of pending) fire();
  assert.deepEqual(late, [195, 194], 'each finished that much after the model said');
});

test("a request's CPU time: lognormal around the mean, its tail as long as σ says; σ 0 is the mean every time", () => {
  const draws = Array.from({ length: 200_000 }, () => drawServiceMs(3.41, 1.4, Math.random)).sort((a, b) => a - b);
  const mean = draws.reduce((n, d) => n + d, 0) / draws.length;
  const median = draws[draws.length / 2]!;
  const p99 = draws[Math.floor(draws.length * 0.99)]!;
  // Lognormal: median = mean · e^(−σ²/2) = 1.28 ms; p99 = median · e^(2.326 σ) = 33 ms.
  assert.ok(Math.abs(mean - 3.41) / 3.41 < 0.04, `mean ${mean.toFixed(2)} ms`);
  assert.ok(Math.abs(median - 1.28) / 1.28 < 0.03, `median ${median.toFixed(2)} ms`);
  assert.ok(Math.abs(p99 - 33.2) / 33.2 < 0.08, `p99 ${p99.toFixed(1)} ms`);
  assert.equal(drawServiceMs(3.41, 0, Math.random), 3.41);
});
