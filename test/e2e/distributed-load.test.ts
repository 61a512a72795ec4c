import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readHlog } from '../../loadtests/report/hlog.ts';
import type { Summary } from '../../loadtests/report/summary.ts';
import { runLoadCli } from '../helpers/load-cli.ts';
import { startSim } from '../helpers/sim.ts';

const ENTRY = fileURLToPath(new URL('../../loadtests/load-entry.ts', import.meta.url));
const run = promisify(execFile);
const summaryOf = async (dir: string) => JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as Summary;

const sim = await startSim({
  groups: [{ name: 'default', connectors: 2 }],
  apps: [{ name: 'echo', group: 'default' }],
});

test('two segments of one run at once against one sim merge into one run: counts add up, the rate is the plan, percentiles match a single runner', async () => {
  const common = ['get', '--rate', '200', '--duration', '5s', '--path', '/delay/5', '--target', sim.publicUrl, '--control', sim.view.controlUrl];
  const quiet = ['--metrics-port', '0', '--quiet', '--workers', '1'];
  // Started together (as a Kubernetes indexed Job's pods would be, with one --start-at), so their arrivals interleave.
  const startAt = String(Date.now() + 5000);
  const segments = await Promise.all([1, 2].map((i) => runLoadCli([...common, '--segment', `${i}/2`, '--start-at', startAt, ...quiet])));
  for (const s of segments) assert.equal(s.code, 0, s.stderr);
  const single = await runLoadCli([...common, ...quiet]);
  assert.equal(single.code, 0, single.stderr);

  const out = join(await mkdtemp(join(tmpdir(), 'relay-sim-merged-')), 'merged');
  const merge = await run(process.execPath, ['--import', 'tsx', ENTRY, 'merge', ...segments.map((s) => s.runDir!), '--out', out]);
  assert.match(merge.stderr, /merged 2 segments/);
  const [a, b] = await Promise.all(segments.map((s) => summaryOf(s.runDir!)));
  const merged = await summaryOf(out);
  const one = await summaryOf(single.runDir!);

  assert.deepEqual([a!.options['segment'], b!.options['segment'], a!.options['rate'], b!.options['rate']], ['1/2', '2/2', 100, 100]);
  assert.equal(merged.http.requests, a!.http.requests + b!.http.requests, 'merged count = the sum of the segments');
  assert.equal(merged.scenarios['get']!.requests, merged.http.requests);
  assert.equal(readHlog(await readFile(join(out, 'get.hlog'), 'utf8')).histogram.totalCount, merged.http.requests, 'the merged .hlog holds every request');
  assert.ok(Math.abs(merged.http.rps - 200) / 200 < 0.05, `merged rate ${merged.http.rps}/s, plan 200/s`);
  // Tolerance (a shared 2-core machine, runs seconds apart): p50 within 50 %, p90 within a factor of 2.
  const { p50, p90 } = merged.http.latencyMs;
  console.log(
    `merged: ${merged.http.requests} requests, ${merged.http.rps}/s, p50 ${p50} p90 ${p90} ms; single runner: ${one.http.requests}, p50 ${one.http.latencyMs.p50} p90 ${one.http.latencyMs.p90} ms`,
  );
  assert.ok(Math.abs(p50 - one.http.latencyMs.p50) / one.http.latencyMs.p50 < 0.5, `p50 ${p50} vs ${one.http.latencyMs.p50}`);
  assert.ok(p90 < 2 * one.http.latencyMs.p90 && p90 > one.http.latencyMs.p90 / 2, `p90 ${p90} vs ${one.http.latencyMs.p90}`);
  assert.ok(merged.thresholds.length > 0 && merged.thresholds.every((t) => t.ok), JSON.stringify(merged.thresholds));

  // A merge that lacks a segment is refused, naming it.
  await assert.rejects(
    run(process.execPath, ['--import', 'tsx', ENTRY, 'merge', segments[0]!.runDir!, '--out', `${out}-partial`]),
    (err: { code: number; stderr: string }) => err.code === 2 && /segment 2\/2 missing/.test(err.stderr),
  );
});
