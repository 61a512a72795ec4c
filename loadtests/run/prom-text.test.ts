import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketQuantile, histogramBuckets, parsePromText } from './prom-text.ts';

test('quantiles come from bucket counts the way histogram_quantile computes them', () => {
  const samples = parsePromText(`
h_bucket{le="0.1",g="a"} 50
h_bucket{le="0.2",g="a"} 100
h_bucket{le="+Inf",g="a"} 100
`);
  const buckets = histogramBuckets(samples, 'h', { g: 'a' });
  assert.equal(bucketQuantile(0.5, buckets), 0.1);
  assert.ok(Math.abs(bucketQuantile(0.75, buckets)! - 0.15) < 1e-9);
  assert.equal(bucketQuantile(0.5, new Map()), null);
});
