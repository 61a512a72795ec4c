import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IntervalLatency, LatencyHistogram } from './latency-histogram.ts';

test('histograms recorded apart, encoded and merged equal one histogram of everything', () => {
  const all = new LatencyHistogram();
  const parts = [new LatencyHistogram(), new LatencyHistogram(), new LatencyHistogram()];
  for (let i = 0; i < 30_000; i++) {
    const ms = (i % 997) * 0.37 + (i % 7 === 0 ? 250 : 0);
    all.recordMs(ms);
    parts[i % 3]!.recordMs(ms);
  }
  const merged = new LatencyHistogram();
  for (const part of parts) merged.add(LatencyHistogram.decode(part.encode()));
  assert.deepEqual(merged.summary(), all.summary());
});

test('a sealed interval keeps the same figures in a small encoding, and takes late records', () => {
  const interval = new IntervalLatency();
  const reference = new LatencyHistogram();
  for (let i = 0; i < 2000; i++) {
    const ms = 1 + (i % 400) * 0.05 + (i % 100 === 0 ? 80 : 0);
    interval.recordMs(ms);
    reference.recordMs(ms);
  }
  interval.seal();
  assert.equal(interval.sealed, true);
  assert.deepEqual(interval.summary(), reference.summary());
  // The encoding a sealed second keeps: a few hundred bytes, against ~85 KiB of live counts.
  assert.ok(reference.encode().length < 4096, `encoded ${reference.encode().length} bytes`);
  interval.recordMs(500);
  reference.recordMs(500);
  assert.equal(interval.sealed, false);
  assert.deepEqual(interval.summary(), reference.summary());
});
