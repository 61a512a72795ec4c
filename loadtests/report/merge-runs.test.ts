import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from '../drivers/latency-histogram.ts';
import type { SecondSample } from '../run/run-profile.ts';
import { hlogOfRun, hlogOfSeconds } from './hlog.ts';
import { mergeRuns, MergeError } from './merge-runs.ts';
import type { RunData, Summary } from './summary.ts';

const START = Date.parse('2026-12-03T10:00:00Z');
const histogramOf = (values: number[]) => {
  const h = new LatencyHistogram();
  for (const v of values) h.recordMs(v);
  return h;
};
const second = (t: number, sent: number): SecondSample => ({
  t,
  http: { sent, late: 0, ok: sent, errors: 0, bytes: 0, p50: 0, p90: 0, p99: 0, max: 0, byErrorCode: {} },
  ws: null,
  relay: null,
});

/** A segment whose requests took `values` ms, spread over two seconds, started `offsetMs` after START. */
function segment(index: number, values: number[], offsetMs: number, rtts?: number[]): RunData {
  const half = Math.floor(values.length / 2);
  const perSecond = [histogramOf(values.slice(0, half)), histogramOf(values.slice(half))];
  const whole = histogramOf(values).summary();
  const summary = {
    runId: `get-segment-${index}`,
    profile: 'get',
    startedAt: new Date(START + offsetMs).toISOString(),
    finishedAt: new Date(START + offsetMs + 2000).toISOString(),
    options: { rate: values.length / 2, sessions: rtts ? 1 : 0, segment: `${index}/2` },
    aborted: null,
    http: {
      requests: values.length,
      ok: values.length,
      errors: 0,
      dropped: 0,
      late: 0,
      verifyFailures: 0,
      byStatus: { 200: values.length },
      byErrorCode: {},
      rps: 0,
      bytesPerSec: 0,
      latencyMs: whole,
      planned: values.length,
    },
    ws: rtts ? { sessions: 1, messages: rtts.length, rttMs: histogramOf(rtts).summary(), dropped: 0, reconnected: 0 } : null,
    relay: { retries: 0, lostInFlight: 0, requestsByInstance: null, queueWaitMeanMs: null, queueWaitP99Ms: null },
    faults: [],
    events: [],
    failoverMode: 'appproxy',
    failover: null,
    thresholds: [{ name: 'http.p99', expr: 'http.p99 < 50', ok: true, value: whole.p99 }],
    scenarios: { get: { requests: values.length, ok: values.length, errors: 0, latencyMs: whole } },
  } as unknown as Summary;
  return {
    summary,
    samples: [second(0, half), second(1, values.length - half)],
    hlogs: {
      get: hlogOfSeconds(
        START + offsetMs,
        perSecond.map((h, s) => [s, h.histogram] as const),
      ),
    },
    ...(rtts ? { wsRttHlog: hlogOfRun(START + offsetMs, 2, histogramOf(rtts).histogram) } : {}),
  };
}

test('merged percentiles are those of every request together (not averages of the segments), counts add up, thresholds are judged again', () => {
  const fast = Array.from({ length: 100 }, (_, i) => 1 + i / 100);
  const slow = Array.from({ length: 100 }, (_, i) => 40 + i);
  const merged = mergeRuns([segment(2, slow, 300, [5, 6]), segment(1, fast, 0, [1, 2])], 'merged');
  const all = histogramOf([...fast, ...slow]).summary();
  assert.equal(merged.summary.http.requests, 200);
  assert.deepEqual(merged.summary.http.latencyMs, { p50: all.p50, p90: all.p90, p99: all.p99, p999: all.p999, max: all.max });
  assert.notEqual(merged.summary.http.latencyMs.p50, (histogramOf(fast).summary().p50 + histogramOf(slow).summary().p50) / 2);
  assert.equal(merged.summary.scenarios['get']!.requests, 200);
  assert.equal(merged.summary.ws?.rttMs.max, histogramOf([1, 2, 5, 6]).summary().max);
  assert.deepEqual(merged.summary.options['mergedSegments'], ['get-segment-1', 'get-segment-2']);
  assert.deepEqual(
    merged.samples.map((s) => s.http.sent),
    [100, 100],
    'seconds aligned by wall clock (0.3 s apart: the same seconds)',
  );
  assert.deepEqual(
    merged.summary.thresholds.map((t) => [t.expr, t.ok]),
    [['http.p99 < 50', false]],
    'p99 of the union fails where segment 1 alone passed',
  );
});

test('a merge is refused unless it has every segment of one run, once each', () => {
  const fast = [1, 2, 3, 4];
  const refused = (runs: RunData[], message: RegExp) =>
    assert.throws(
      () => mergeRuns(runs, 'm'),
      (e: Error) => e instanceof MergeError && message.test(e.message),
    );
  refused([segment(1, fast, 0)], /segment 2\/2 missing/);
  refused([segment(1, fast, 0), segment(1, fast, 0)], /segment 1\/2 given more than once/);
  const plain = segment(1, fast, 0);
  refused([{ ...plain, summary: { ...plain.summary, options: {} } }], /not a segment/);
});
