import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { DASHBOARDS, DASHBOARD_DIR } from '../dashboards/src/generate.ts';
import { findPrometheus, LocalPrometheus } from '../sim/cluster/local-prometheus.ts';
import { parsePromText } from '../loadtests/run/prom-text.ts';
import { fault } from './helpers/load.ts';
import { runLoadCli } from './helpers/load-cli.ts';
import { request } from './helpers/http-client.ts';
import { unusedPort } from './helpers/ports.ts';
import { startSim } from './helpers/sim.ts';

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

const binary = findPrometheus();

/** Grafana's variables, given the values "all" would give them. */
const concrete = (expr: string) =>
  expr
    .replaceAll('$__rate_interval', '20s')
    .replaceAll('$__interval', '20s')
    .replace(/\$[a-z]+/g, '.*');
const metricNames = (expr: string) =>
  [...expr.replace(/"[^"]*"/g, '""').matchAll(/\b([a-z_][a-z0-9_]*)(?=\{|\[|\)|\s*$)/g)]
    .map((m) => m[1]!)
    .filter((name) =>
      /_(total|seconds|bytes|active|depth|inflight|connectors|channels|requests|peak)(_bucket|_sum|_count)?$|^(relay|connector|backend|loadgen|sim|process|nodejs)_/.test(
        name,
      ),
    );

test(
  'every panel returns data from a real Prometheus scraping a sim under load with a fault',
  { skip: binary ? false : 'prometheus is not installed (apt-get install prometheus; .ci/run installs it)', timeout: 180_000 },
  async () => {
    const sim = await startSim({
      groups: [
        // A capacity model, so the virtual-CPU panel has data (16 cores: it never limits this load).
        { name: 'default', connectors: 3, capacity: { cores: 16 } },
        { name: 'empty', connectors: 0 },
      ],
      apps: [
        { name: 'echo', group: 'default' },
        { name: 'ghost', group: 'empty' },
      ],
      dispatch: { policy: 'random', queueLimit: 1000, queueTimeoutMs: 500 },
    });
    const prometheusPort = await unusedPort();
    // The load runner below takes a free port and lists itself for this Prometheus (file_sd) while it runs.
    const prometheus = new LocalPrometheus(binary!, sim.view.controlUrl, `127.0.0.1:${prometheusPort}`);
    await prometheus.start();
    try {
      // A rejected request, so relay_queue_rejected_total has a series.
      const ghost = await request(sim.publicUrl, `ghost.localhost:${new URL(sim.publicUrl).port}`, { path: '/echo' });
      assert.equal(ghost.status, 504);
      // A mixed load run (HTTP, uploads, downloads, WebSockets) with a connector killed half-way.
      const killAt = setTimeout(() => void fault(sim.view.controlUrl, { action: 'kill', target: 'connector:default-3' }), 6000);
      const run = await runLoadCli(
        [
          'mixed',
          '--duration',
          '14s',
          '--rate',
          '80',
          '--sessions',
          '40',
          '--target',
          sim.publicUrl,
          '--control',
          sim.view.controlUrl,
          '--metrics-port',
          '0',
          '--quiet',
        ],
        { timeoutMs: 90_000 },
      );
      clearTimeout(killAt);
      assert.ok(run.runDir, run.stderr);

      // Every metric a panel names must exist in a live scrape of the sim and the load runner.
      const live = new Set<string>();
      for (const url of [...sim.view.relays, ...sim.view.connectors.filter((c) => c.state !== 'exited'), ...sim.view.backends]
        .map((c) => c.metricsUrl)
        .concat(`${sim.view.controlUrl}/metrics`)) {
        const text = await fetch(url).then(
          (r) => r.text(),
          () => '',
        );
        for (const s of parsePromText(text)) live.add(s.name);
      }
      const loadgenSeries = await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/label/__name__/values`).then((r) => r.json() as Promise<{ data: string[] }>);
      for (const name of loadgenSeries.data.filter((n) => n.startsWith('loadgen_'))) live.add(name);
      assert.ok(live.has('loadgen_requests_total'), 'Prometheus discovered the load runner while it ran');
      // The run is over: its discovery entry is gone, so the load job has no target (rather than a red one).
      let loadTargets = -1;
      for (let i = 0; i < 20 && loadTargets !== 0; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 500));
        const targets = (await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/targets`).then((r) => r.json())) as {
          data: { activeTargets: { labels: Record<string, string> }[] };
        };
        loadTargets = targets.data.activeTargets.filter((t) => t.labels['job'] === 'load').length;
      }
      assert.equal(loadTargets, 0, 'no load target once the run has ended');

      const empty: string[] = [];
      for (const name of Object.keys(DASHBOARDS)) {
        const dashboard = JSON.parse(await readFile(`${DASHBOARD_DIR}${name}.json`, 'utf8')) as {
          panels: Panel[];
          annotations?: { list: { expr?: string }[] };
        };
        const exprs = [
          ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
          ...(dashboard.annotations?.list ?? []).flatMap((a) => (a.expr ? [a.expr] : [])),
        ];
        for (const expr of exprs)
          for (const metric of metricNames(expr)) assert.ok(live.has(metric), `${name}: ${metric} in "${expr}" is not exported by any component`);
        for (const panel of dashboard.panels) {
          let rows = 0;
          for (const target of panel.targets ?? []) {
            const end = Math.floor(Date.now() / 1000);
            const url = `http://127.0.0.1:${prometheusPort}/api/v1/query_range?query=${encodeURIComponent(concrete(target.expr))}&start=${end - 60}&end=${end}&step=2`;
            const answer = (await (await fetch(url)).json()) as { status: string; error?: string; data: { result: unknown[] } };
            assert.equal(answer.status, 'success', `${name}/${panel.title}: ${answer.error}`);
            rows += answer.data.result.length;
          }
          if (rows === 0) empty.push(`${name}/${panel.title}`);
        }
      }
      assert.deepEqual(empty, [], 'panels without data');
    } finally {
      await prometheus.close();
    }
  },
);
