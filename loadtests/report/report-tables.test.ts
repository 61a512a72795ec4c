import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SecondSample } from '../run/run-profile.ts';
import { compareTable, faultTable, scenarioTable, settingDifferences } from './report-tables.ts';
import type { RunData, Summary } from './summary.ts';

const second = (t: number, errors: number, retries: number): SecondSample => ({
  t,
  http: { sent: 10, ok: 10 - errors, errors, bytes: 0, p50: 1, p90: 2, p99: 3, max: 4, byErrorCode: {} },
  ws: null,
  relay: { queueWaitMeanMs: 0, queueWaitP99Ms: 0, queueDepth: 0, wsActive: 0, dispatched: 10, retries, serviceMeanMs: null, cpuWaitMeanMs: null },
});

const latency = { count: 100, mean: 2, p50: 1, p90: 2, p99: 3, p999: 4, max: 5 };
const summary = (over: Partial<Summary>): Summary =>
  ({
    runId: 'a',
    profile: 'failover',
    target: 'http://127.0.0.1:1',
    options: { durationS: 10, rate: 10 },
    http: { requests: 100, errors: 2, rps: 10, latencyMs: latency, dropped: 0, late: 0 },
    relay: { retries: 0, lostInFlight: 0, requestsByInstance: null, queueWaitMeanMs: 0, queueWaitP99Ms: 1 },
    ws: null,
    faults: [
      { at: 2000, action: 'kill', target: 'connector:default-1', ok: true },
      { at: 6500, action: 'pause', target: 'connector:default-2', ok: false },
    ],
    failover: { perFault: [{ atMs: 2000, action: 'kill', target: 'connector:default-1', detectionMs: 40, recoveryMs: 1000 }] },
    scenarios: {
      get: { requests: 80, ok: 79, errors: 1, latencyMs: latency },
      upload: { requests: 20, ok: 20, errors: 0, latencyMs: { ...latency, count: 0 } },
    },
    ...over,
  }) as unknown as Summary;

test('the fault table charges each fault with the client failures and relay retries from it to the next fault; a refused fault says so', () => {
  const run: RunData = { summary: summary({}), samples: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((t) => second(t, t === 3 ? 2 : t === 7 ? 1 : 0, t === 2 ? 5 : 0)) };
  assert.deepEqual(faultTable(run).rows, [
    ['2.0', 'kill', 'connector:default-1', 'applied', 40, 1000, 2, 5],
    ['6.5', 'pause', 'connector:default-2', 'refused', null, null, 1, 0],
  ]);
});

test('per-scenario rows: a scenario without requests has no percentiles (null), never copies of others', () => {
  const rows = scenarioTable(summary({})).rows;
  assert.deepEqual(rows[0], ['get', 80, 79, 1, 1.25, 1, 2, 3, 4, 5]);
  assert.deepEqual(rows[1], ['upload', 20, 20, 0, 0, null, null, null, null, null]);
});

test('--compare: change and change % for every figure both runs have, and the settings that make them unlike', () => {
  const a = summary({});
  const b = summary({ runId: 'b', http: { ...a.http, requests: 80, errors: 0 }, options: { durationS: 20, rate: 10 } });
  const rows = compareTable(a, b).rows;
  assert.deepEqual(
    rows.find((r) => r[0] === 'requests'),
    ['requests', 100, 80, 20, 25],
  );
  assert.deepEqual(
    rows.find((r) => r[0] === 'errors'),
    ['errors', 2, 0, 2, null],
    'no percentage of 0',
  );
  assert.deepEqual(settingDifferences(a, b), ['durationS: 10 here, 20 there']);
  assert.deepEqual(settingDifferences(a, a), []);
});
