import { test } from 'node:test';
import assert from 'node:assert/strict';
import { thresholdValues } from './threshold-values.ts';

test('mid-run figures give only the names that exist yet; unmeasured percentiles are null', () => {
  const live = thresholdValues({ http: { requests: 0, errors: 0, latencyMs: { p50: null, p99: null } }, ws: { rttMs: { p99: null }, dropped: 0 } });
  assert.deepEqual(live, { 'http.requests': 0, 'http.errors': 0, 'http.error_rate': 0, 'http.p50': null, 'http.p99': null, 'ws.p99': null, 'ws.dropped': 0 });
});

test('end-of-run figures give every name, the same way', () => {
  const end = thresholdValues({
    http: { requests: 200, errors: 2, latencyMs: { p50: 5, p99: 40 }, rps: 100, dropped: 1, verifyFailures: 0 },
    relay: { retries: 3, queueWaitP99Ms: 12 },
    ws: { rttMs: { p99: 2 }, dropped: 0, reconnected: 4, sessions: 10 },
    failover: { detectionMs: 900, recoveryMs: null, failedRequests: 0, retriedRequests: 3 },
  });
  assert.equal(end['http.error_rate'], 0.01);
  assert.equal(end['http.p99'], 40);
  assert.equal(end['relay.retries'], 3);
  assert.equal(end['ws.reconnected'], 4);
  assert.equal(end['failover.recoveryMs'], null);
  assert.equal(end['verify.failures'], 0);
});
