import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BIN = fileURLToPath(new URL('../../bin/relay-sim.mjs', import.meta.url));
const run = promisify(execFile);

test('the relay-sim bin runs the load CLI without npm: a run, a clean stdout, `report` rebuilds it with any percentile from the .hlog, `compare` sets two runs side by side', async () => {
  const out = await mkdtemp(join(tmpdir(), 'relay-sim-bin-'));
  const load = await run(process.execPath, [BIN, 'load', 'get', '--rate', '30', '--duration', '2s', '--metrics-port', '0', '--json', '--results-dir', out]);
  const summary = JSON.parse(load.stdout);
  assert.ok(summary.http.requests >= 55, `${summary.http.requests} requests`);
  const [runDir] = await readdir(out);
  // The raw latencies (.hlog) give back the summary's percentiles exactly, and any other.
  const report = await run(process.execPath, [BIN, 'report', join(out, runDir!), '--percentiles', '50,99,99.5']);
  assert.match(report.stderr, /results: .*report\.html/);
  const { p50, p99 } = summary.http.latencyMs;
  assert.match(
    report.stdout,
    new RegExp(`^get: ${summary.http.requests} requests, p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms, p99\\.5 [\\d.]+ ms$`, 'm'),
  );
  const again = await run(process.execPath, [BIN, 'load', 'get', '--rate', '30', '--duration', '2s', '--metrics-port', '0', '--quiet', '--results-dir', out]);
  assert.match(again.stderr, /results: /);
  const other = (await readdir(out)).find((d) => d !== runDir)!;
  await run(process.execPath, [BIN, 'compare', join(out, runDir!), join(out, other)]);
  assert.match(await readFile(join(out, runDir!, 'report.md'), 'utf8'), new RegExp(other));
  await assert.rejects(
    run(process.execPath, [BIN, 'nonsense']),
    (err: { code: number; stderr: string }) => err.code === 2 && /usage: relay-sim/.test(err.stderr),
  );
});
