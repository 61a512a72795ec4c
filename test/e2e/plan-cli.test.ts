import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoadCli, runPlanCli } from '../helpers/load-cli.ts';

test('npm run plan --quick: 200 GETs/s within p99 300 ms on 2-core connectors needs 2 (one cannot survive its own kill); the answer holds in a plain load run', async () => {
  const run = await runPlanCli(['--app', 'echo', '--rate', '200', '--p99', '300ms', '--quick', '--max-connectors', '3'], { timeoutMs: 240_000 });
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.runDir);
  const plan = JSON.parse(await readFile(join(run.runDir, 'plan.json'), 'utf8')) as {
    capacity: { assumed: boolean };
    sizes: {
      connectors: number;
      maxRateWithinSlo: number | null;
      p99AtRequestedMs: number;
      hostFellBehind: number;
      kill?: { withinSlo: boolean; otherFailures: number };
    }[];
    recommendation: { connectors: number | null; reason: string };
  };
  assert.equal(plan.capacity.assumed, true, 'the default topology has no capacity model: the 2-core preset is assumed, and said');
  assert.match(run.stderr, /the 2-core preset: the group has no capacity model/);
  assert.equal(plan.recommendation.connectors, 2, plan.recommendation.reason);
  const [one, two] = plan.sizes;
  assert.ok(one!.p99AtRequestedMs <= 300, 'one connector alone holds the SLO in steady state');
  assert.equal(one!.kill?.withinSlo, false, 'but not once it is killed: the group is empty');
  assert.ok(one!.kill!.otherFailures > 0);
  assert.ok(two!.p99AtRequestedMs <= 300);
  for (const size of plan.sizes) assert.equal(typeof size.hostFellBehind, 'number', 'each size says whether the host kept up with the model');
  assert.match(run.stdout, /Recommendation: 2 connector\(s\)/);
  assert.ok(existsSync(join(run.runDir, 'report.html')));
  console.log(`plan --quick:\n${run.stdout}`);

  // The answer, checked apart: a plain load run on the recommended topology at the requested rate.
  const dir = await mkdtemp(join(tmpdir(), 'slo-'));
  await writeFile(join(dir, 'slo.yaml'), 'thresholds:\n  - "http.p99 < 300"\n  - "http.error_rate < 0.001"\n');
  const check = await runLoadCli([
    'get',
    '--topology',
    join(run.runDir, 'topology.yaml'),
    '--rate',
    '200',
    '--duration',
    '5s',
    '--slo',
    join(dir, 'slo.yaml'),
    '--metrics-port',
    '0',
    '--quiet',
  ]);
  assert.equal(check.code, 0, `the recommended group held the SLO in npm run load: ${check.stderr}`);
});

test('npm run plan: bad usage exits 2 naming the problem', async () => {
  const noApp = await runPlanCli(['--rate', '100', '--p99', '300ms']);
  assert.equal(noApp.code, 2);
  assert.match(noApp.stderr, /name the app with --app/);
  const unknown = await runPlanCli(['--app', 'nope', '--rate', '100', '--p99', '300ms']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no app "nope"/);
  const badP99 = await runPlanCli(['--app', 'echo', '--rate', '100', '--p99', 'fast']);
  assert.equal(badP99.code, 2);
  assert.match(badP99.stderr, /--p99 must be a duration/);
  const badBackend = await runPlanCli(['--app', 'echo', '--rate', '100', '--p99', '300ms', '--backend', 'slow']);
  assert.equal(badBackend.code, 2);
  assert.match(badBackend.stderr, /--backend takes 40ms \(fixed\)/);
});

test("npm run plan --backend: the app's service time counts: 40 ms for every request cannot meet p99 30 ms at any size, and the plan says so (exit 1)", async () => {
  const run = await runPlanCli(
    ['--app', 'echo', '--rate', '100', '--p99', '30ms', '--backend', '40ms', '--responses', '1KiB:3,8KiB:1', '--quick', '--max-connectors', '1'],
    {
      timeoutMs: 120_000,
    },
  );
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /the app: service time 40 ms; responses 1024 B ×3, 8192 B ×1/);
  assert.ok(run.runDir);
  const plan = JSON.parse(await readFile(join(run.runDir, 'plan.json'), 'utf8')) as {
    question: { service: unknown };
    sizes: { steps: { p99Ms: number; withinSlo: boolean }[] }[];
    recommendation: { connectors: number | null };
  };
  assert.deepEqual(plan.question.service, {
    time: { fixedMs: 40 },
    responseBytes: [
      { bytes: 1024, weight: 3 },
      { bytes: 8192, weight: 1 },
    ],
  });
  const step = plan.sizes[0]!.steps[0]!;
  assert.ok(step.p99Ms >= 40 && !step.withinSlo, `p99 ${step.p99Ms} ms with a 40 ms backend`);
  assert.equal(plan.recommendation.connectors, null);
});

test('npm run plan --mix mixed: each step sends GETs, streamed uploads and downloads, all verified; with --backend it is refused', async () => {
  const run = await runPlanCli(['--app', 'echo', '--rate', '100', '--p99', '2s', '--mix', 'mixed', '--quick', '--max-connectors', '1'], { timeoutMs: 120_000 });
  assert.equal(run.code, 1, `a group of one cannot survive its kill: ${run.stderr}`);
  assert.match(run.stderr, /requests\/s of the mixed profile/);
  const plan = JSON.parse(await readFile(join(run.runDir!, 'plan.json'), 'utf8')) as {
    question: { mix: string };
    sizes: { steps: { sent: number; sentByKind: Record<string, number>; errors: number; withinSlo: boolean }[] }[];
  };
  assert.equal(plan.question.mix, 'mixed');
  const step = plan.sizes[0]!.steps[0]!;
  assert.equal(step.errors, 0, 'every upload and download verified');
  assert.ok(step.withinSlo);
  const { get = 0, 'post-stream': uploads = 0, download = 0 } = step.sentByKind;
  assert.equal(get + uploads + download, step.sent);
  assert.ok(uploads > 0 && download > 0 && get > uploads + download, JSON.stringify(step.sentByKind));
  const refused = await runPlanCli(['--app', 'echo', '--rate', '100', '--p99', '2s', '--mix', 'mixed', '--backend', '40ms']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--mix mixed verifies uploads and downloads/);
});
