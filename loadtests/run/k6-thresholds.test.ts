import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSloFile } from './slo-file.ts';
import { evaluate } from './thresholds.ts';

async function sloFile(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'slo-')), 'slo.yaml');
  await writeFile(path, text);
  return path;
}

test("an SLO file in k6's threshold syntax maps onto relay-sim's figures", async () => {
  const thresholds = await loadSloFile(
    await sloFile(`thresholds:
  http_req_duration: ['p(99)<250', { threshold: 'p(90) < 100', abortOnFail: true, delayAbortEval: '10s' }]
  http_req_failed: ['rate<0.01']
  http_reqs: ['count>=100']
`),
  );
  assert.deepEqual(
    thresholds.map((t) => [t.expr, t.metric, t.op, t.bound, t.abortOnFail, t.delayAbortEvalS]),
    [
      ['http_req_duration: p(99)<250', 'http.p99', '<', 250, false, 0],
      ['http_req_duration: p(90) < 100', 'http.p90', '<', 100, true, 10],
      ['http_req_failed: rate<0.01', 'http.error_rate', '<', 0.01, false, 0],
      ['http_reqs: count>=100', 'http.requests', '>=', 100, false, 0],
    ],
  );
  const values = { 'http.p99': 300, 'http.p90': 80, 'http.error_rate': 0, 'http.requests': 120 };
  assert.deepEqual(
    thresholds.map((t) => evaluate(t, values).ok),
    [false, true, true, true],
  );
});

test('a k6 aggregation relay-sim does not measure is refused before the run, naming what it does measure', async () => {
  await assert.rejects(
    loadSloFile(await sloFile(`thresholds:\n  http_req_duration: ['p(95)<250']\n`)),
    /p\(95\) is not measured; use p\(50\), med, p\(90\), p\(99\), p\(99\.9\), max/,
  );
  await assert.rejects(loadSloFile(await sloFile(`thresholds:\n  iteration_duration: ['avg<1']\n`)), /relay-sim measures http_req_duration, http_req_failed/);
  await assert.rejects(loadSloFile(await sloFile(`thresholds:\n  http_req_failed: ['rate less than 1']\n`)), /is not of the form/);
});
