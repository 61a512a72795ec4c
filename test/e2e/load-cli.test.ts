import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { readRun } from '../../loadtests/report/results.ts';
import { CHROMIUM, dumpDom, NO_CHROMIUM } from '../helpers/chromium.ts';
import { queueingModel } from '../../loadtests/report/report.ts';
import { runLoadCli } from '../helpers/load-cli.ts';
import { median } from '../../loadtests/bench/bench-setup.ts';

const Latency = z.object({ p50: z.number(), p90: z.number(), p99: z.number(), p999: z.number(), max: z.number() });
/** summary.json as DESIGN 3.6 promises it. */
const SummarySchema = z.object({
  runId: z.string(),
  profile: z.string(),
  target: z.string().url(),
  startedAt: z.string().datetime(),
  finishedAt: z.string().datetime(),
  gitSha: z.string().nullable(),
  options: z.record(z.string(), z.unknown()),
  http: z.object({
    requests: z.number().int(),
    ok: z.number().int(),
    errors: z.number().int(),
    byStatus: z.record(z.string(), z.number()),
    byErrorCode: z.record(z.string(), z.number()),
    rps: z.number(),
    bytesPerSec: z.number(),
    latencyMs: Latency,
  }),
  ws: z.object({ sessions: z.number(), messages: z.number(), rttMs: Latency, dropped: z.number(), reconnected: z.number() }).nullable(),
  faults: z.array(z.object({ at: z.number(), action: z.string(), target: z.string() })),
  failoverMode: z.enum(['appproxy', 'resilient']).nullable(),
  failover: z
    .object({
      mode: z.enum(['appproxy', 'resilient']).nullable(),
      detectionMs: z.number().nullable(),
      recoveryMs: z.number().nullable(),
      failedRequests: z.number(),
      lostInFlight: z.number().nullable(),
      otherFailures: z.number().nullable(),
      retriedRequests: z.number().nullable(),
    })
    .nullable(),
  thresholds: z.array(z.object({ name: z.string(), expr: z.string(), ok: z.boolean(), value: z.number().nullable() })),
});

test('npm run load -- get --duration 5s writes a valid summary.json, samples and a report; exit 0', async () => {
  let metricsText = '';
  const port = 19_600 + Math.floor(Math.random() * 300);
  const run = await runLoadCli(['get', '--duration', '5s', '--metrics-port', String(port)], {
    onStarted: () =>
      void (async () => {
        for (let i = 0; i < 80 && !metricsText.includes('loadgen_requests_total{'); i++) {
          await new Promise((r) => setTimeout(r, 150));
          metricsText = await fetch(`http://127.0.0.1:${port}/metrics`).then(
            (r) => r.text(),
            () => '',
          );
        }
      })(),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.runDir);
  const summary = SummarySchema.parse(JSON.parse(await readFile(join(run.runDir, 'summary.json'), 'utf8')));
  assert.equal(summary.profile, 'get');
  assert.ok(summary.http.requests >= 950 && summary.http.requests <= 1000, `requests ${summary.http.requests}`);
  assert.equal(summary.http.errors, 0);
  assert.ok(summary.thresholds.length >= 2 && summary.thresholds.every((t) => t.ok));
  const { samples } = await readRun(run.runDir);
  assert.ok(samples.length >= 5, `${samples.length} per-second samples`);
  assert.ok(
    samples.every((s) => s.relay !== null),
    'relay-side figures come from its /metrics',
  );
  assert.ok(existsSync(join(run.runDir, 'report.html')));
  assert.match(await readFile(join(run.runDir, 'report.md'), 'utf8'), /http\.p99 < 250/);
  assert.match(run.stderr, /^ +\d+s  sent \d+\/s  answered \d+\/s  get p99 /m, 'a live progress line');
  assert.match(metricsText, /loadgen_requests_total\{profile="get",scenario="get",outcome="ok"\}/, 'loadgen metrics were served during the run');
});

test('npm run load -- mixed against a tls: on topology: HTTPS uploads, downloads and WSS sessions with no errors', async () => {
  const topology = fileURLToPath(new URL('./fixtures/tls-topology.yaml', import.meta.url));
  const run = await runLoadCli(['mixed', '--topology', topology, '--duration', '4s', '--rate', '50', '--sessions', '20', '--metrics-port', '0']);
  assert.equal(run.code, 0, run.stderr);
  const summary = SummarySchema.parse(JSON.parse(await readFile(join(run.runDir!, 'summary.json'), 'utf8')));
  assert.match(summary.target, /^https:/);
  // Traffic really flowed over HTTPS; rate accuracy has its own test. TLS handshakes at the start
  // of a 4 s run on a busy 2-core machine have cost up to 8% of the 200 planned sends.
  assert.ok(summary.http.requests >= 150, `requests ${summary.http.requests} of 200 planned`);
  assert.equal(summary.http.errors, 0, JSON.stringify(summary.http.byErrorCode));
  assert.equal(summary.ws?.sessions, 20);
  assert.equal(summary.ws?.dropped, 0);
});

test('with 2 relays the load spreads its connections over both, as a load balancer would; the summary and report show traffic per instance', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'topology-'));
  const topology = join(dir, 'two-relays.yaml');
  await writeFile(topology, 'relays: 2\ngroups: [{ name: default, connectors: 2 }]\napps: [{ name: echo, group: default }]\n');
  const run = await runLoadCli(['mixed', '--topology', topology, '--duration', '4s', '--rate', '50', '--sessions', '20', '--metrics-port', '0', '--quiet']);
  assert.equal(run.code, 0, run.stderr);
  const summary = JSON.parse(await readFile(join(run.runDir!, 'summary.json'), 'utf8')) as {
    http: { requests: number };
    relay: { requestsByInstance: Record<string, number> };
  };
  const perInstance = summary.relay.requestsByInstance;
  assert.deepEqual(Object.keys(perInstance).sort(), ['relay-1', 'relay-2']);
  assert.equal(perInstance['relay-1']! + perInstance['relay-2']!, summary.http.requests, 'every request reached one instance');
  // Spread per connection, as a network load balancer does: requests then follow whichever kept-alive
  // connections the client reuses, so the shares need not be even (13 % on one instance in one run).
  for (const [id, n] of Object.entries(perInstance)) assert.ok(n > 0, `${id} answered ${n} of ${summary.http.requests}`);
  const report = await readFile(join(run.runDir!, 'report.md'), 'utf8');
  assert.match(report, /requests per relay instance \| relay-1 \d+, relay-2 \d+/);
});

test('an impossible threshold exits 1 and is recorded as failed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slo-'));
  const slo = join(dir, 'slo.yaml');
  await writeFile(slo, 'thresholds:\n  - "http.p99 < 0.001"\n  - "http.error_rate < 0.5"\n');
  const run = await runLoadCli(['get', '--duration', '2s', '--rate', '50', '--slo', slo, '--metrics-port', '0']);
  assert.equal(run.code, 1, run.stderr);
  const summary = JSON.parse(await readFile(join(run.runDir!, 'summary.json'), 'utf8')) as { thresholds: { expr: string; ok: boolean }[] };
  assert.deepEqual(
    summary.thresholds.map((t) => [t.expr, t.ok]),
    [
      ['http.p99 < 0.001', false],
      ['http.error_rate < 0.5', true],
    ],
  );
  assert.match(run.stderr, /threshold failed: http\.p99 < 0\.001/);
});

test('an abortOnFail threshold stops the run early after its delay, and exits 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slo-'));
  const slo = join(dir, 'slo.yaml');
  await writeFile(slo, 'thresholds:\n  - { expr: "http.p99 < 0.001", abortOnFail: true, delayAbortEvalS: 2 }\n');
  const started = Date.now();
  const run = await runLoadCli(['get', '--duration', '20s', '--rate', '50', '--slo', slo, '--metrics-port', '0', '--quiet']);
  assert.equal(run.code, 1, run.stderr);
  const summary = JSON.parse(await readFile(join(run.runDir!, 'summary.json'), 'utf8')) as { aborted: string | null; http: { requests: number } };
  assert.match(summary.aborted ?? '', /http\.p99 < 0\.001/);
  assert.ok(Date.now() - started < 15_000, 'the 20 s run stopped early');
  assert.ok(summary.http.requests < 20 * 50 * 0.6, `${summary.http.requests} requests before the abort`);
});

test('bad usage and an unreachable target exit 2 with a message', async () => {
  const unknown = await runLoadCli(['nosuchprofile']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown profile "nosuchprofile"/);
  const badDuration = await runLoadCli(['get', '--duration', 'soon']);
  assert.equal(badDuration.code, 2);
  assert.match(badDuration.stderr, /--duration must be a duration/);
  const unreachable = await runLoadCli(['get', '--target', 'http://127.0.0.1:9', '--duration', '1s']);
  assert.equal(unreachable.code, 2);
  assert.match(unreachable.stderr, /cannot reach http:\/\/127\.0\.0\.1:9/);
  const badMode = await runLoadCli(['failover', '--failover', 'kind']);
  assert.equal(badMode.code, 2);
  assert.match(badMode.stderr, /--failover must be appproxy or resilient; got kind/);
  const modeOfRunningSim = await runLoadCli(['get', '--failover', 'resilient', '--target', 'http://127.0.0.1:9']);
  assert.equal(modeOfRunningSim.code, 2);
  assert.match(modeOfRunningSim.stderr, /a running sim's is in its topology/);
  // A topology without the profile's app: refused before any load, with both named.
  const topology = join(await mkdtemp(join(tmpdir(), 'topology-')), 'payroll.yaml');
  await writeFile(topology, 'groups: [{ name: hr, connectors: 1 }]\napps: [{ name: payroll, group: hr }]\n');
  const noApp = await runLoadCli(['get', '--topology', topology, '--duration', '1s']);
  assert.equal(noApp.code, 2, noApp.stderr);
  assert.match(noApp.stderr, /the profile sends to echo, which the target does not publish \(its apps: payroll\)/);
});

test('--failover resilient runs the embedded sim in that mode, and the summary and report say it is not App Proxy', async () => {
  const run = await runLoadCli(['get', '--failover', 'resilient', '--duration', '2s', '--rate', '20', '--metrics-port', '0']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /failover mode: resilient \(a retrying relay, NOT App Proxy/);
  const summary = JSON.parse(await readFile(join(run.runDir!, 'summary.json'), 'utf8')) as { failoverMode: string };
  assert.equal(summary.failoverMode, 'resilient');
  assert.match(await readFile(join(run.runDir!, 'report.md'), 'utf8'), /failover mode \| resilient \(a retrying relay, NOT App Proxy/);
});

test('the failover profile (appproxy mode by default) runs end to end; its figures agree with the sim events; every failure is a counted loss', async () => {
  const run = await runLoadCli(['failover', '--duration', '38s', '--metrics-port', '0', '--quiet'], { timeoutMs: 150_000 });
  assert.ok(run.runDir, run.stderr);
  const summary = JSON.parse(await readFile(join(run.runDir, 'summary.json'), 'utf8')) as {
    failoverMode: string;
    faults: { at: number; action: string; target: string }[];
    events: { tMs: number; action: string; target: string }[];
    thresholds: { expr: string; ok: boolean }[];
    failover: {
      mode: string;
      detectionMs: number;
      recoveryMs: number | null;
      failedRequests: number;
      lostInFlight: number;
      otherFailures: number;
      retriedRequests: number;
      perFault: { action: string; target: string; atMs: number; detectionMs: number | null }[];
    };
  };
  assert.equal(summary.failoverMode, 'appproxy');
  assert.equal(summary.failover.mode, 'appproxy');
  assert.ok(
    summary.thresholds.some((t) => t.expr === 'failover.otherFailures == 0'),
    'appproxy thresholds: failures must be losses, not zero',
  );
  assert.equal(summary.failover.otherFailures, summary.failover.failedRequests - summary.failover.lostInFlight);
  assert.equal(summary.failover.retriedRequests, 0, 'App Proxy does not replay');
  const report = await readFile(join(run.runDir, 'report.md'), 'utf8');
  assert.match(report, /failover mode \| appproxy \(App Proxy's/);
  assert.deepEqual(
    summary.faults.map((f) => f.action),
    ['kill', 'pause', 'resume'],
  );
  for (const fault of summary.failover.perFault.filter((f) => f.action === 'kill' || f.action === 'pause')) {
    const dead = summary.events.find((e) => e.action === 'connector-dead' && e.target === fault.target && e.tMs >= fault.atMs - 50);
    assert.ok(dead, `the sim reported ${fault.target} dead`);
    assert.equal(fault.detectionMs, Math.max(0, Math.round(dead.tMs - fault.atMs)), 'detection is read from the events');
  }
  const pause = summary.failover.perFault.find((f) => f.action === 'pause')!;
  // The last heartbeat answer came up to one interval before the pause: 2-4 s after it at 1 s x 3.
  assert.ok(pause.detectionMs! >= 1900 && pause.detectionMs! <= 4300, `pause detected after ${pause.detectionMs} ms (heartbeat 1 s x 3)`);
  const resume = summary.failover.perFault.find((f) => f.action === 'resume')!;
  assert.equal(resume.target, pause.target, 'resume picked the paused member');
  assert.equal(summary.failover.detectionMs, Math.max(...summary.failover.perFault.filter((f) => f.action !== 'resume').map((f) => f.detectionMs!)));
  assert.equal(typeof summary.failover.failedRequests, 'number');
  assert.ok(summary.failover.recoveryMs !== undefined);
  assert.equal(run.code, summary.thresholds.every((t) => t.ok) ? 0 : 1);
  console.log(`failover profile: ${JSON.stringify(summary.failover)}`);
});

test('the queueing profile: relay queue wait follows Erlang C below saturation', async () => {
  const run = await runLoadCli(['queueing', '--duration', '24s', '--metrics-port', '0', '--quiet'], { timeoutMs: 120_000 });
  assert.ok(run.runDir, run.stderr);
  const model = queueingModel(await readRun(run.runDir));
  assert.ok(model, 'a model was fitted from the measured service time');
  const capacity = (model.servers / model.serviceMs) * 1000;
  const below = model.points.filter((p) => p.offered < 0.8 * capacity && p.predictedMs !== null);
  assert.ok(below.length >= 8, `${below.length} seconds below 80% utilisation`);
  // The median over those seconds: one second stalled by this shared machine (a CI run once read
  // a mean of 8.5 ms against 2.9 predicted, then 1.1 and 3.1 against 2.6 and 2.9 on reruns) must
  // not decide; a wrong model shifts most seconds and still fails.
  const measured = median(below.map((p) => p.measuredMs));
  const predicted = median(below.map((p) => p.predictedMs!));
  const mean = below.reduce((n, p) => n + p.measuredMs, 0) / below.length;
  // Stated tolerance: the median over those seconds within 50% of the model's, plus 2 ms.
  assert.ok(
    Math.abs(measured - predicted) <= 0.5 * predicted + 2,
    `measured median ${measured.toFixed(2)} ms (mean ${mean.toFixed(2)}) vs Erlang C ${predicted.toFixed(2)} ms`,
  );
  console.log(
    `queueing: below 80% utilisation, median queue wait ${measured.toFixed(2)} ms measured (mean ${mean.toFixed(2)}) vs ${predicted.toFixed(2)} ms Erlang C (c=${model.servers}, S=${model.serviceMs.toFixed(1)} ms)`,
  );
});

test('the queueing profile with a capacity model: the overlay uses virtual CPUs as servers, and the wait for them follows M/G/c below 80 %', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'topology-'));
  const topology = join(dir, 'capacity.yaml');
  await writeFile(
    topology,
    'groups: [{ name: default, connectors: 1, capacity: { cores: 2, perRequestMs: 20, tailSigma: 0.5, perKiBMs: 0 } }]\n' +
      'apps: [{ name: echo, group: default }]\ndispatch: { policy: least-pending, queueLimit: 20000, queueTimeoutMs: 30000 }\n',
  );
  const run = await runLoadCli(['queueing', '--topology', topology, '--rate', '120', '--duration', '20s', '--metrics-port', '0', '--quiet'], {
    timeoutMs: 120_000,
  });
  assert.ok(run.runDir, run.stderr);
  const model = queueingModel(await readRun(run.runDir));
  assert.ok(model);
  assert.deepEqual([model.servers, model.serversKind, model.serviceMs], [2, 'vcpus', 20], "1 connector x 2 virtual CPUs at the model's 20 ms");
  assert.ok(Math.abs(model.serviceScv - Math.expm1(0.25)) < 1e-9, 'lognormal σ 0.5: SCV e^0.25 − 1');
  const below = model.points.filter((p) => p.offered < 0.8 * 100 && p.predictedMs !== null);
  assert.ok(below.length >= 6, `${below.length} seconds below 80% utilisation`);
  // The median over those seconds, as with slots: the mean is carried by the few seconds near 80 %,
  // where one second's wait swings by several times (a CI run read a mean of 13.8 ms against 7.6
  // predicted; four runs after it read medians of 3.0–3.5 ms against 3.4–5.2 predicted).
  const measured = median(below.map((p) => p.measuredMs));
  const predicted = median(below.map((p) => p.predictedMs!));
  // The same stated tolerance as with slots: within 50% of the model, plus 2 ms. The prediction is
  // M/G/c (Allen–Cunneen: Erlang C × (1 + SCV) / 2 = 0.64 × M/M/c for σ 0.5). With σ 1 the heavy
  // tail made 20 s too short a sample: one run in several measured a third of the prediction.
  assert.ok(Math.abs(measured - predicted) <= 0.5 * predicted + 2, `measured median ${measured.toFixed(2)} ms vs M/G/c ${predicted.toFixed(2)} ms`);
  assert.match(await readFile(join(run.runDir, 'report.md'), 'utf8'), /c = 2 virtual CPUs \(capacity model\).*SCV 0\.28/);
  console.log(
    `queueing with a capacity model: below 80%, median wait for a virtual CPU ${measured.toFixed(2)} ms measured vs ${predicted.toFixed(2)} ms M/G/c (c=2, S=20 ms, σ 0.5)`,
  );
});

test('report.html renders every chart in headless Chromium with no console errors', { skip: CHROMIUM ? false : NO_CHROMIUM }, async () => {
  const first = await runLoadCli(['mixed', '--duration', '4s', '--sessions', '50', '--metrics-port', '0', '--quiet']);
  assert.ok(first.runDir, first.stderr);
  const second = await runLoadCli(['mixed', '--duration', '4s', '--sessions', '50', '--metrics-port', '0', '--quiet', '--compare', first.runDir]);
  assert.ok(second.runDir, second.stderr);
  const html = join(second.runDir, 'report.html');
  const { stdout, stderr } = await dumpDom(html);
  const charts = [...stdout.matchAll(/<svg[^>]*class="chart"[\s\S]*?<\/svg>/g)].map((m) => m[0]);
  assert.ok(charts.length >= 5, `${charts.length} charts rendered`);
  for (const id of ['throughput', 'latency', 'scenario-latency', 'spectrum', 'errors', 'queue-wait', 'websockets', 'websocket-closes']) {
    const chart = charts.find((c) => c.includes(`id="${id}"`));
    assert.ok(chart, `chart ${id} is in the rendered DOM`);
    assert.match(chart, /<path d="M/, `chart ${id} drew a series`);
  }
  assert.match(stdout, /Compared with/, '--compare adds the side-by-side table');
  assert.match(stdout, /<table id="compare">(?:<tbody>)?<tr><th>figure<\/th><th>this run<\/th><th>[^<]+<\/th><th>change<\/th><th>change %<\/th>/);
  assert.match(stdout, /<table id="scenarios">[\s\S]*?<td>get<\/td>[\s\S]*?<td>upload<\/td>[\s\S]*?<td>download<\/td>/, 'a row per scenario');
  assert.doesNotMatch(stderr, /CONSOLE.*(error|Error)|Uncaught/, 'no console errors');
});
