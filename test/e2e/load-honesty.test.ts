import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoadCli } from '../helpers/load-cli.ts';
import { readRun } from '../../loadtests/report/results.ts';
import { startSim } from '../helpers/sim.ts';
import { fault } from '../helpers/load.ts';
import { waitFor } from '../helpers/prom-text.ts';

/** The load rig's figures are what it measured, or null: never one percentile standing in for another, never a fault that did not happen. */

const summaryOf = async (runDir: string) => JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8'));

test('--closed: the summary keeps autocannon p90, p99.9 and max as autocannon reported them, not copies of p50 and p99; --quiet still prints the results path', async () => {
  const run = await runLoadCli(['get', '--closed', '--duration', '2s', '--connections', '10', '--metrics-port', '0', '--quiet']);
  assert.ok(run.runDir, run.stderr);
  assert.equal(run.stderr.trim().split('\n').at(-1), `results: ${run.runDir}/report.html`, '--quiet still says where the run went');
  const { http } = await summaryOf(run.runDir);
  const closed = http.closedLoop;
  assert.deepEqual(http.latencyMs, { p50: closed.p50, p90: closed.p90, p99: closed.p99, p999: closed.p999, max: closed.max });
  assert.ok(closed.requests > 500, `${closed.requests} requests in 2 s`);
  assert.ok(closed.max > closed.p99, `max ${closed.max} ms above p99 ${closed.p99} ms over ${closed.requests} requests`);
  assert.ok(closed.p90 >= closed.p50 && closed.p999 >= closed.p99);
});

test('against a running sim without --control, the fault plan is skipped and says so: no fault counted, no detection or recovery figures', async () => {
  const sim = await startSim({ groups: [{ name: 'default', connectors: 2 }], apps: [{ name: 'echo', group: 'default' }] });
  const run = await runLoadCli(['failover', '--target', sim.publicUrl, '--duration', '11s', '--rate', '30', '--sessions', '10', '--metrics-port', '0'], {
    timeoutMs: 90_000,
  });
  assert.ok(run.runDir, run.stderr);
  assert.match(run.stderr, /the fault plan is skipped \(1 fault\(s\) neither injected nor counted\)/);
  const summary = await summaryOf(run.runDir);
  assert.deepEqual(summary.faults, [], 'the kill at 10 s was never sent');
  assert.equal(summary.faultsSkipped, 1);
  assert.equal(summary.failover, null, 'no detection or recovery time for a fault that did not happen');
  assert.equal(summary.http.errors, 0);
  assert.match(await readFile(join(run.runDir, 'report.md'), 'utf8'), /fault plan was skipped \(no `--control` URL\): 1 fault/);
  assert.equal(sim.view.connectors.length, 2);
});

test('the fault API refuses a pause, kill or resume the process cannot take (409, with its state), instead of answering ok', async () => {
  const sim = await startSim({ groups: [{ name: 'default', connectors: 2 }], apps: [{ name: 'echo', group: 'default' }] });
  const { controlUrl } = sim.view;
  assert.equal((await fault(controlUrl, { action: 'kill', target: 'connector:default-1' })).status, 200);
  await waitFor(
    async () => sim.cluster.view().connectors.find((c) => c.id === 'default-1')?.state,
    (state) => state === 'exited',
    10_000,
    'default-1 exited',
  );
  for (const action of ['pause', 'kill'] as const) {
    const answer = await fault(controlUrl, { action, target: 'connector:default-1' });
    assert.equal(answer.status, 409, `${action} of a dead connector`);
    assert.match(answer.body.error ?? '', new RegExp(`connector:default-1 is exited; ${action} acts on a process that is`));
  }
  const resumeRunning = await fault(controlUrl, { action: 'resume', target: 'connector:default-2' });
  assert.equal(resumeRunning.status, 409);
  assert.match(resumeRunning.body.error ?? '', /is running; resume acts on a process that is paused/);
  assert.equal((await fault(controlUrl, { action: 'pause', target: 'connector:default-2' })).status, 200, 'a running one still pauses');
  assert.equal((await fault(controlUrl, { action: 'resume', target: 'connector:default-2' })).status, 200);
});

test('a misspelt threshold metric in --slo exits 2 before the run starts, naming the known ones', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slo-'));
  await writeFile(join(dir, 'slo.yaml'), 'thresholds:\n  - "http.p98 < 250"\n');
  const started = performance.now();
  const run = await runLoadCli(['get', '--slo', join(dir, 'slo.yaml'), '--duration', '30s', '--metrics-port', '0']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /no metric http\.p98; known: .*http\.p99/);
  assert.equal(run.runDir, undefined, 'no run, no results');
  assert.ok(performance.now() - started < 20_000, 'refused at once, not after a 30 s run');
});

test("past capacity, the open model's requests wait in the relay's queue, not in the generator's socket pool", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'topology-'));
  const topology = join(dir, 'small.yaml');
  // 2 slots x 50 ms (mean) serve about 40/s; the ramp reaches 100/s: a backlog of about 100 builds.
  await writeFile(
    topology,
    'groups: [{ name: default, connectors: 1, slots: 2 }]\napps: [{ name: echo, group: default }]\ndispatch: { policy: least-pending, queueLimit: 20000, queueTimeoutMs: 30000 }\n',
  );
  const run = await runLoadCli(['queueing', '--topology', topology, '--rate', '100', '--duration', '6s', '--metrics-port', '0', '--quiet'], {
    timeoutMs: 90_000,
  });
  assert.ok(run.runDir, run.stderr);
  const { samples } = await readRun(run.runDir);
  const deepest = Math.max(...samples.map((s) => s.relay?.queueDepth ?? 0));
  // The old cap of 64 sockets held the relay's queue under 63, whatever the backlog.
  assert.ok(deepest > 70, `the relay's queue reached ${deepest}`);
  console.log(`open model past capacity: the relay's queue reached ${deepest} (the old 64-socket cap held it under 63)`);
});

test('Ctrl-C stops the load, still writes the summary and report of what ran, and exits 130', async () => {
  const run = await runLoadCli(['get', '--rate', '100', '--duration', '60s', '--metrics-port', '0'], { interruptWhen: /^ {3}3s /m, timeoutMs: 90_000 });
  assert.equal(run.code, 130, run.stderr);
  assert.match(run.stderr, /interrupted: stopping the load and writing what ran/);
  assert.ok(run.runDir, run.stderr);
  const summary = await summaryOf(run.runDir);
  assert.match(summary.aborted, /interrupted \(Ctrl-C\)/);
  assert.ok(summary.http.requests >= 250 && summary.http.requests <= 800, `${summary.http.requests} requests in about 3 of 60 s`);
  assert.equal(summary.http.ok, summary.http.requests);
  assert.match(await readFile(join(run.runDir, 'report.html'), 'utf8'), /<html/);
});
