import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { succeeds } from '../helpers/processes.ts';

/**
 * The container stack for real (docker-compose.yml, Dockerfile, stack/stack.sh): images built,
 * relay, backend, 3 + 2 connectors and Prometheus in containers; load from the load container;
 * a connector container killed; everything removed after. Needs Docker, or podman with
 * docker-compose (.ci/run installs them); builds on local base images (no registry here).
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const engine = succeeds('docker', ['compose', 'version'])
  ? 'docker'
  : succeeds('podman', ['--version']) && succeeds('docker-compose', ['--version'])
    ? 'podman'
    : undefined;
const skip = engine
  ? false
  : 'no container engine (Docker with compose, or podman + docker-compose: apt-get install podman docker-compose catatonit; .ci/run installs them)';
const PROMETHEUS = 'http://127.0.0.1:9090';

async function stack(args: string[], timeoutMs = 300_000): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)('bash', ['stack/stack.sh', args[0]!, '--local-base', ...args.slice(1)], { cwd: root, timeout: timeoutMs, maxBuffer: 16 << 20 });
}

async function query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${PROMETHEUS}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return body.data.result;
}

/** Reads the summary.json of the run whose report path the load container printed. */
async function summaryOf({ stdout, stderr }: { stdout: string; stderr: string }): Promise<Record<string, any>> {
  const path = /results: \/app\/results\/([^/\s]+)\//.exec(stdout + stderr)?.[1];
  assert.ok(path, `the load container printed its results path: ${(stdout + stderr).slice(-800)}`);
  return JSON.parse(await readFile(join(root, 'results', 'containers', path, 'summary.json'), 'utf8'));
}

let upSeconds = 0;
before(async () => {
  if (skip) return;
  await stack(['down']).catch(() => undefined); // a stack left over from an earlier run
  const started = performance.now();
  await stack(['up']);
  upSeconds = (performance.now() - started) / 1000;
});
after(async () => {
  if (skip) return;
  await stack(['down']);
  const left = execFileSync(engine!, ['ps', '-a', '--filter', 'label=com.docker.compose.project=relay-sim', '--format', '{{.Names}}']).toString().trim();
  const networks = execFileSync(engine!, ['network', 'ls', '--format', '{{.Name}}']).toString();
  assert.equal(left, '', 'no container left behind');
  assert.doesNotMatch(networks, /relay-sim/, 'no network left behind');
  console.log(`container stack: built and up in ${upSeconds.toFixed(0)} s; everything removed`);
});

test('in containers, Prometheus has the relay, the backend and all 5 connectors up, and a dashboard query returns the groups', { skip }, async () => {
  const targets = (await (await fetch(`${PROMETHEUS}/api/v1/targets`)).json()) as {
    data: { activeTargets: { labels: Record<string, string>; health: string; scrapeUrl: string }[] };
  };
  const up = targets.data.activeTargets.filter((t) => t.health === 'up');
  const byJob = (job: string) => up.filter((t) => t.labels['job'] === job).length;
  assert.deepEqual([byJob('relay'), byJob('backend'), byJob('connector')], [1, 1, 5], JSON.stringify(targets.data.activeTargets));
  // No load run is going: the load job has no target, rather than a red one.
  assert.deepEqual(
    targets.data.activeTargets.filter((t) => t.labels['job'] === 'load'),
    [],
  );
  // The connector-groups dashboard's connectors panel, its $group variable at "all".
  const panel = await query('sum by (group, state) (relay_connectors{group=~".*"})');
  const active = Object.fromEntries(panel.filter((r) => r.metric['state'] === 'active').map((r) => [r.metric['group'], Number(r.value[1])]));
  assert.deepEqual(active, { default: 3, eu: 2 });
  console.log(`container stack targets: ${up.map((t) => `${t.labels['job']} ${t.scrapeUrl} up`).join('; ')}`);
});

test('npm run load -- get from the load container: traffic flows, and the relay in its container counted the same requests', { skip }, async () => {
  const before = Number((await query('sum(relay_requests_total)'))[0]?.value[1] ?? 0);
  const summary = await summaryOf(await stack(['load', 'get', '--duration', '8s', '--rate', '50'], 120_000));
  assert.equal(summary['http'].errors, 0);
  assert.ok(summary['http'].ok >= 390, `${summary['http'].ok} requests answered`);
  await new Promise((r) => setTimeout(r, 4000)); // two scrape intervals
  const after = Number((await query('sum(relay_requests_total)'))[0]?.value[1] ?? 0);
  assert.ok(after - before >= summary['http'].ok, `the relay counted ${after - before}; the load container ${summary['http'].ok}`);
});

test(
  'npm run load -- failover from the load container while a connector container is killed: the kill shows in the run and in the relay metrics',
  { skip },
  async () => {
    const failoversBefore = Number((await query('sum(relay_failovers_total{group="default"})'))[0]?.value[1] ?? 0);
    // Exit 1: the profile's own fault plan needs --control, which the container stack has not.
    const run = stack(['load', 'failover', '--duration', '16s'], 120_000).catch((err: { stdout: string; stderr: string }) => err);
    await new Promise((r) => setTimeout(r, 7000));
    await stack(['kill', 'connector-default']);
    const summary = await summaryOf(await run);
    const lost = summary['http'].byErrorCode['connector_lost'] ?? 0;
    assert.ok(summary['http'].ok > 1000, `${summary['http'].ok} requests answered`);
    assert.ok(lost + summary['ws'].reconnected > 0, `the kill shows in the run: ${lost} lost in flight, ${summary['ws'].reconnected} WebSocket reconnects`);
    assert.equal(summary['http'].errors, lost, 'every failed request is one App Proxy loses with its connector');
    await new Promise((r) => setTimeout(r, 4000));
    const failovers = Number((await query('sum(relay_failovers_total{group="default"})'))[0]?.value[1] ?? 0);
    assert.equal(failovers - failoversBefore, 1, 'the relay saw one connector of the group go');
    console.log(`container failover: ${summary['http'].ok} ok, ${lost} lost in flight, ${summary['ws'].reconnected} WebSocket reconnects`);
  },
);
