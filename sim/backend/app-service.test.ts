import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppService, ServiceSampler } from './app-service.ts';

const percentile = (sorted: number[], q: number) => sorted[Math.floor(sorted.length * q)]!;
const draws = (spec: unknown, n: number, pick: (s: ServiceSampler) => number) => {
  const sampler = new ServiceSampler(AppService.parse(spec));
  return Array.from({ length: n }, () => pick(sampler)).sort((a, b) => a - b);
};

test('service time through p50 and p99: a lognormal whose median and 99th percentile are those given', () => {
  const times = draws({ time: { p50Ms: 40, p99Ms: 250 } }, 100_000, (s) => s.timeMs());
  assert.ok(Math.abs(percentile(times, 0.5) - 40) / 40 < 0.03, `p50 ${percentile(times, 0.5).toFixed(1)} ms`);
  assert.ok(Math.abs(percentile(times, 0.99) - 250) / 250 < 0.06, `p99 ${percentile(times, 0.99).toFixed(1)} ms`);
});

test('service time fixed, or exponential of a mean', () => {
  assert.deepEqual(new Set(draws({ time: { fixedMs: 7 } }, 100, (s) => s.timeMs())), new Set([7]));
  const exp = draws({ time: { meanMs: 20 } }, 100_000, (s) => s.timeMs());
  const mean = exp.reduce((n, t) => n + t, 0) / exp.length;
  assert.ok(Math.abs(mean - 20) / 20 < 0.03, `mean ${mean.toFixed(2)} ms`);
  assert.ok(Math.abs(percentile(exp, 0.5) - 20 * Math.LN2) / (20 * Math.LN2) < 0.04, 'the median of an exponential is mean × ln 2');
});

test('response sizes: one size, or a weighted mix drawn in proportion', () => {
  assert.equal(new ServiceSampler(AppService.parse({})).bytes(), 256, 'the default: 256 bytes, no wait');
  const sizes = draws(
    {
      responseBytes: [
        { bytes: 1024, weight: 9 },
        { bytes: 102_400, weight: 1 },
      ],
    },
    20_000,
    (s) => s.bytes(),
  );
  const large = sizes.filter((b) => b === 102_400).length / sizes.length;
  assert.ok(Math.abs(large - 0.1) < 0.015, `${(large * 100).toFixed(1)} % large`);
  assert.deepEqual(new Set(sizes), new Set([1024, 102_400]));
});

test('bad specs are refused with the field named', () => {
  const p99BelowP50 = AppService.safeParse({ time: { p50Ms: 50, p99Ms: 10 } });
  assert.equal(p99BelowP50.success, false);
  assert.match(JSON.stringify(p99BelowP50.error?.issues), /p99Ms must be at least p50Ms/);
  assert.equal(AppService.safeParse({ time: { fixedMs: 5, meanMs: 3 } }).success, false, 'one kind of time only');
  assert.equal(AppService.safeParse({ responseBytes: [] }).success, false, 'a mix has at least one size');
  assert.equal(AppService.safeParse({ responseBytes: -1 }).success, false);
});
