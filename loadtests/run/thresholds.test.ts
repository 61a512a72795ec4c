import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, parseThreshold, ThresholdError } from './thresholds.ts';

test('thresholds parse and evaluate like k6 expressions', () => {
  const values = { 'http.p99': 120, 'http.error_rate': 0, 'ws.dropped': 3 };
  assert.equal(evaluate(parseThreshold('http.p99 < 250'), values).ok, true);
  assert.equal(evaluate(parseThreshold('http.p99 < 0.001'), values).ok, false);
  assert.equal(evaluate(parseThreshold('http.error_rate <= 0'), values).ok, true);
  assert.deepEqual(evaluate(parseThreshold('ws.dropped == 0'), values), { name: 'ws.dropped', expr: 'ws.dropped == 0', ok: false, value: 3 });
});

test('a metric the run did not produce fails the threshold with a null value', () => {
  assert.deepEqual(evaluate(parseThreshold('failover.detectionMs < 1000'), {}), {
    name: 'failover.detectionMs',
    expr: 'failover.detectionMs < 1000',
    ok: false,
    value: null,
  });
});

test('malformed expressions are refused with an example', () => {
  assert.throws(
    () => parseThreshold('p99 below 250'),
    (err: unknown) => err instanceof ThresholdError && /http\.p99 < 250/.test(err.message),
  );
});

test('a misspelt metric is refused when the threshold is read, naming the metrics of its family', () => {
  assert.throws(
    () => parseThreshold('http.p98 < 250'),
    (err: unknown) => err instanceof ThresholdError && /no metric http\.p98; known: .*http\.p99/.test(err.message) && !/ws\./.test(err.message),
  );
  assert.throws(() => parseThreshold('latency.p99 < 250'), /no metric latency\.p99; known: http\.requests/);
  for (const known of ['http.p99 < 250', 'ws.dropped == 0', 'failover.otherFailures == 0', 'relay.queueWaitP99Ms < 5', 'verify.failures == 0'])
    parseThreshold(known);
});
