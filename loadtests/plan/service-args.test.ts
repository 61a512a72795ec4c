import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResponseSizes, parseServiceTime } from './service-args.ts';

test('--backend: fixed, exponential, or lognormal through p50 and p99; anything else names the forms', () => {
  assert.deepEqual(parseServiceTime('40ms'), { fixedMs: 40 });
  assert.deepEqual(parseServiceTime('1.5s'), { fixedMs: 1500 });
  assert.deepEqual(parseServiceTime('exp:40ms'), { meanMs: 40 });
  assert.deepEqual(parseServiceTime('p50:40ms,p99:250ms'), { p50Ms: 40, p99Ms: 250 });
  for (const bad of ['40', 'exp:', 'p50:40ms', 'p50:250ms,p99:40ms', 'fast']) assert.throws(() => parseServiceTime(bad), /--backend takes 40ms/, bad);
});

test('--responses: one size or weighted sizes; anything else names the forms', () => {
  assert.equal(parseResponseSizes('512'), 512);
  assert.equal(parseResponseSizes('2MiB'), 2 << 20);
  assert.deepEqual(parseResponseSizes('1KiB:9,100KiB:1'), [
    { bytes: 1024, weight: 9 },
    { bytes: 102_400, weight: 1 },
  ]);
  for (const bad of ['1KB', '1KiB:0', '1KiB:x,2KiB:1', '']) assert.throws(() => parseResponseSizes(bad), /--responses takes a size/, bad);
});
