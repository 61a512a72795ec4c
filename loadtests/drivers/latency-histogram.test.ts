import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from './latency-histogram.ts';

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
