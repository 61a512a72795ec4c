import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parser } from '@prometheus-io/lezer-promql';
import { DASHBOARDS, DASHBOARD_DIR, renderDashboard } from '../dashboards/src/generate.ts';

interface Panel {
  id: number;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  annotations?: { list: { expr?: string; datasource?: { uid: string } }[] };
  templating?: { list: { name: string; datasource?: { uid: string } }[] };
}

const run = promisify(execFile);
const PROVISIONED_UID = /uid:\s*(\S+)/.exec(await readFile(`${DASHBOARD_DIR}provisioning/datasources/prometheus.yaml`, 'utf8'))![1];
const dashboards: [string, Dashboard][] = await Promise.all(
  Object.keys(DASHBOARDS).map(async (name) => [name, JSON.parse(await readFile(`${DASHBOARD_DIR}${name}.json`, 'utf8')) as Dashboard] as [string, Dashboard]),
);

/** Every PromQL expression of a dashboard: panel targets and annotations. */
export function expressions(d: Dashboard): string[] {
  return [...d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...(d.annotations?.list ?? []).flatMap((a) => (a.expr ? [a.expr] : []))];
}

test('npm run dashboards reproduces the committed JSON byte for byte', async () => {
  for (const [name, build] of Object.entries(DASHBOARDS)) {
    assert.equal(renderDashboard(build), await readFile(`${DASHBOARD_DIR}${name}.json`, 'utf8'), `${name}.json is stale: run npm run dashboards`);
  }
});

test('there are four dashboards with template variables and a fault annotation', () => {
  assert.deepEqual(dashboards.map(([n]) => n).sort(), ['connector-groups', 'load-test', 'node-runtime', 'relay-overview']);
  const overview = dashboards.find(([n]) => n === 'relay-overview')![1];
  assert.deepEqual(
    overview.templating?.list.map((v) => v.name),
    ['group', 'app'],
  );
  assert.deepEqual(
    dashboards.find(([n]) => n === 'connector-groups')![1].templating?.list.map((v) => v.name),
    ['group', 'connector'],
  );
  assert.match(overview.annotations?.list[0]?.expr ?? '', /sim_fault_events_total/);
});

test('panel ids are unique and every gridPos fits 24 columns without overlap', () => {
  for (const [name, d] of dashboards) {
    const ids = d.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `${name}: duplicate panel ids`);
    for (const p of d.panels) assert.ok(p.gridPos.x >= 0 && p.gridPos.x + p.gridPos.w <= 24, `${name}/${p.title} exceeds 24 columns`);
    for (const [i, a] of d.panels.entries()) {
      for (const b of d.panels.slice(i + 1)) {
        const overlap =
          a.gridPos.x < b.gridPos.x + b.gridPos.w &&
          b.gridPos.x < a.gridPos.x + a.gridPos.w &&
          a.gridPos.y < b.gridPos.y + b.gridPos.h &&
          b.gridPos.y < a.gridPos.y + a.gridPos.h;
        assert.ok(!overlap, `${name}: "${a.title}" overlaps "${b.title}"`);
      }
    }
  }
});

test('every datasource uid is the provisioned uid', () => {
  for (const [name, d] of dashboards) {
    const refs = [
      ...d.panels.flatMap((p) => [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]),
      ...(d.annotations?.list ?? []).map((a) => a.datasource),
      ...(d.templating?.list ?? []).map((v) => v.datasource),
    ];
    for (const ref of refs) assert.equal(ref?.uid, PROVISIONED_UID, `${name}: datasource ${JSON.stringify(ref)}`);
  }
});

test('every expression parses as PromQL', () => {
  for (const [name, d] of dashboards) {
    for (const expr of expressions(d)) {
      // Grafana's variables are not PromQL: give them representative values first.
      const concrete = expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '1m');
      const tree = parser.parse(concrete);
      let error: string | undefined;
      tree.iterate({ enter: (node) => void (node.type.isError && (error ??= `error at ${node.from}`)) });
      assert.equal(error, undefined, `${name}: ${expr} does not parse (${error})`);
    }
  }
});

test('every quantile is histogram_quantile over sum by (le, ...) of rate(..._bucket[$__rate_interval])', () => {
  const shape = /^histogram_quantile\(0?\.\d+, sum by \(le(, [a-z_]+)*\) \(rate\([a-z_]+_bucket(\{[^}]*\})?\[\$__rate_interval\]\)\)\)$/;
  let quantiles = 0;
  for (const [name, d] of dashboards) {
    for (const expr of expressions(d)) {
      if (!/quantile|_bucket|p99|p50/.test(expr) || expr.includes('nodejs_eventloop_lag_p99_seconds')) continue;
      quantiles++;
      assert.match(expr, shape, `${name}: ${expr}`);
    }
  }
  assert.ok(quantiles >= 8, `${quantiles} quantile expressions checked`);
});

const promtool = ['/usr/bin/promtool'].find((p) => existsSync(p));
test(
  'promtool accepts both Prometheus configs',
  { skip: promtool ? false : 'promtool is not installed (apt-get install prometheus; .ci/run installs it)' },
  async () => {
    for (const file of ['prometheus.yml', 'prometheus-local.yml']) {
      const { stdout } = await run(promtool!, ['check', 'config', `${DASHBOARD_DIR}${file}`]);
      assert.match(stdout, /SUCCESS/);
    }
  },
);

const compose = ['/usr/bin/docker-compose'].find((p) => existsSync(p));
test(
  'docker-compose validates docker-compose.yml',
  { skip: compose ? false : 'docker-compose is not installed (apt-get install docker-compose; .ci/run installs it)' },
  async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const { stdout } = await run(compose!, ['-f', `${root}docker-compose.yml`, 'config', '--services']);
    for (const service of ['relay', 'connector-default', 'connector-eu', 'backend', 'prometheus', 'grafana'])
      assert.match(stdout, new RegExp(`^${service}$`, 'm'));
    const profiles = await run(compose!, ['-f', `${root}docker-compose.yml`, '--profile', 'load', '--profile', 'k6', 'config', '--services']);
    assert.match(profiles.stdout, /^load$/m);
    assert.match(profiles.stdout, /^k6$/m);
  },
);
