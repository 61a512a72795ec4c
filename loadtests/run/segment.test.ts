import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSegment, segmentCount, segmentOffsetMs } from './segment.ts';

test('segments split sessions whole, offset their arrivals to interleave, and refuse a malformed i/n', () => {
  const segments = [1, 2, 3].map((index) => ({ index, count: 3 }));
  assert.deepEqual(
    segments.map((s) => segmentCount(200, s)),
    [67, 67, 66],
  );
  assert.equal(
    segments.reduce((n, s) => n + segmentCount(200, s), 0),
    200,
  );
  // 300/s over three segments: each sends every 10 ms, at 0, 3.33 and 6.67 ms past the whole plan's ticks.
  assert.deepEqual(
    segments.map((s) => Number(segmentOffsetMs(s, 300).toFixed(3))),
    [0, 3.333, 6.667],
  );
  assert.deepEqual(parseSegment('2/4'), { index: 2, count: 4 });
  for (const bad of ['0/2', '3/2', '1', 'a/b', '1/0']) assert.throws(() => parseSegment(bad), /--segment takes i\/n/);
  // In an indexed Job: the pod's 0-based JOB_COMPLETION_INDEX.
  assert.deepEqual(parseSegment('job/4', { JOB_COMPLETION_INDEX: '3' }), { index: 4, count: 4 });
  assert.throws(() => parseSegment('job/4', {}), /JOB_COMPLETION_INDEX/);
});
