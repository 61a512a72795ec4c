import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BIN = fileURLToPath(new URL('../../bin/relay-sim.mjs', import.meta.url));
const run = promisify(execFile);

const MY_PROFILE = `
name: my-profile
measures: GETs and downloads of my own.
duration: 2s
scenarios:
  pages: { executor: constant-arrival-rate, rate: 20, exec: get, app: echo, path: /delay/5 }
  files: { executor: constant-arrival-rate, rate: 5, exec: download, app: echo, sizes: [32KiB] }
thresholds: [http.error_rate < 0.01]
`;

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
  // A profile of the user's own, as a YAML file: its scenarios run at their own rates.
  const file = join(out, 'my-profile.yaml');
  await writeFile(file, MY_PROFILE);
  const again = await run(process.execPath, [BIN, 'load', file, '--metrics-port', '0', '--quiet', '--results-dir', out]);
  assert.match(again.stderr, /results: /);
  const other = (await readdir(out)).find((d) => d !== runDir && !d.endsWith('.yaml'))!;
  const mine = JSON.parse(await readFile(join(out, other, 'summary.json'), 'utf8'));
  assert.equal(mine.profile, 'my-profile');
  assert.deepEqual(Object.keys(mine.scenarios).sort(), ['files', 'pages']);
  assert.ok(Math.abs(mine.scenarios.pages.requests - 40) <= 2 && Math.abs(mine.scenarios.files.requests - 10) <= 2, JSON.stringify(mine.scenarios));
  assert.equal(mine.http.verifyFailures, 0);
  await run(process.execPath, [BIN, 'compare', join(out, runDir!), join(out, other)]);
  assert.match(await readFile(join(out, runDir!, 'report.md'), 'utf8'), new RegExp(other));
  await writeFile(file, MY_PROFILE.replace('rate: 5', 'rate: five'));
  await assert.rejects(
    run(process.execPath, [BIN, 'load', file]),
    (err: { code: number; stderr: string }) => err.code === 2 && /scenarios\.files\.rate: .*expected number/.test(err.stderr),
  );
  await assert.rejects(
    run(process.execPath, [BIN, 'nonsense']),
    (err: { code: number; stderr: string }) => err.code === 2 && /usage: relay-sim/.test(err.stderr),
  );
});
