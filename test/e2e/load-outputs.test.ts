import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoadCli } from '../helpers/load-cli.ts';

test('--json prints the summary on stdout; --out json= writes a k6-style summary, --out csv= a row per second; the counts agree', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'relay-sim-sinks-'));
  const run = await runLoadCli([
    'get',
    '--rate',
    '60',
    '--duration',
    '3s',
    '--metrics-port',
    '0',
    '--json',
    '--out',
    `json=${dir}/k6.json`,
    '--out',
    `csv=${dir}/s.csv`,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'stdout holds the summary and nothing else');
  const summary = JSON.parse(lines[0]!);
  assert.equal(summary.runId, run.runDir!.split('/').at(-1));
  assert.deepEqual(summary, JSON.parse(await readFile(join(run.runDir!, 'summary.json'), 'utf8')));

  const k6 = JSON.parse(await readFile(join(dir, 'k6.json'), 'utf8'));
  assert.equal(k6.metrics.http_reqs.values.count, summary.http.requests);
  assert.equal(k6.metrics.http_req_duration.values['p(99)'], summary.http.latencyMs.p99);
  assert.equal(k6.metrics.http_req_failed.values.passes, summary.http.errors);

  const [header, ...rows] = (await readFile(join(dir, 's.csv'), 'utf8')).trim().split('\n');
  assert.equal(header, 't,sent,late,ok,errors,bytes,p50_ms,p90_ms,p99_ms,max_ms,ws_open,queue_wait_p99_ms');
  assert.equal(rows.length, 3);
  assert.equal(
    rows.reduce((n, r) => n + Number(r.split(',')[1]), 0),
    summary.http.requests,
  );
});

test('a sink that cannot be written is refused before the run (exit 2), and --out DIR still names the results directory', async () => {
  const refused = await runLoadCli(['get', '--duration', '2s', '--out', 'csv=/no/such/dir/s.csv']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /cannot write \/no\/such\/dir\/s\.csv/);
  assert.equal(refused.runDir, undefined, 'no run was made');
});

test('--backend-delay and --connectors shape the embedded sim: every answer waits for the service time, and the run records both', async () => {
  const run = await runLoadCli(['get', '--rate', '40', '--duration', '2s', '--metrics-port', '0', '--backend-delay', '40ms', '--connectors', '1', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout);
  assert.equal(summary.http.errors, 0);
  assert.ok(summary.http.latencyMs.p50 >= 40, `p50 ${summary.http.latencyMs.p50} ms with a 40 ms backend`);
  assert.deepEqual([summary.options.connectors, summary.options.backendDelay], [1, { fixedMs: 40 }]);
  const refused = await runLoadCli(['mixed', '--duration', '2s', '--backend-delay', '40ms']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--backend-delay applies to profiles of GETs only/);
});

test('--warmup: thresholds judge only the requests after it; the summary keeps the whole run and the report marks it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'relay-sim-warmup-'));
  await writeFile(join(dir, 'slo.yaml'), 'thresholds: ["http.requests <= 110", "http.error_rate == 0"]\n');
  const run = await runLoadCli(['get', '--rate', '50', '--duration', '4s', '--warmup', '2s', '--metrics-port', '0', '--slo', join(dir, 'slo.yaml'), '--json']);
  assert.equal(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout);
  assert.ok(summary.http.requests >= 195, `the whole run: ${summary.http.requests} requests`);
  assert.equal(summary.http.afterWarmup.fromS, 2);
  assert.ok(summary.http.afterWarmup.requests >= 95 && summary.http.afterWarmup.requests <= 105, `after the warm-up: ${summary.http.afterWarmup.requests}`);
  assert.deepEqual(
    summary.thresholds.map((t: { expr: string; value: number }) => [t.expr, t.value]),
    [
      ['http.requests <= 110', summary.http.afterWarmup.requests],
      ['http.error_rate == 0', 0],
    ],
  );
  assert.match(await readFile(join(run.runDir!, 'report.md'), 'utf8'), /warm-up \(excluded from thresholds\) \| first 2 s/);
});
