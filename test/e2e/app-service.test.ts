import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { request } from '../helpers/http-client.ts';
import { metricSum, scrape } from '../helpers/prom-text.ts';
import { startSim } from '../helpers/sim.ts';
import { PATTERN } from '../../sim/backend/deterministic-bytes.ts';
import { parseTopology } from '../../sim/cluster/topology.ts';

const sim = await startSim({
  groups: [{ name: 'default', connectors: 1 }],
  apps: [
    { name: 'echo', group: 'default' },
    {
      name: 'work',
      group: 'default',
      service: {
        time: { fixedMs: 60 },
        responseBytes: [
          { bytes: 1000, weight: 1 },
          { bytes: 70_000, weight: 1 },
        ],
      },
    },
  ],
});
const host = (app: string) => `${app}.localhost:${new URL(sim.publicUrl).port}`;

test('an app with a service answers every path and method after its service time, with a body from its size mix; other apps keep the test routes', async () => {
  const sizes = new Set<number>();
  for (let i = 0; i < 12; i++) {
    const started = performance.now();
    const res = await request(sim.publicUrl, host('work'), {
      path: i % 2 ? '/any/path?x=1' : '/echo',
      method: i % 3 ? 'GET' : 'POST',
      body: i % 3 ? undefined : 'twelve bytes',
    });
    const tookMs = performance.now() - started;
    assert.equal(res.status, 200);
    assert.ok(tookMs >= 59, `answered after ${tookMs.toFixed(0)} ms; the service takes 60`);
    assert.ok(res.body.equals(PATTERN.subarray(0, res.body.length)), 'the deterministic bytes, whole');
    assert.equal(res.headers['x-request-bytes'], i % 3 ? '0' : '12', 'the backend read the body');
    sizes.add(res.body.length);
  }
  assert.ok([...sizes].every((n) => n === 1000 || n === 70_000) && sizes.size === 2, `sizes seen: ${[...sizes].join(', ')}`);
  const echo = await request(sim.publicUrl, host('echo'), { path: '/echo' });
  assert.equal(JSON.parse(echo.body.toString()).path, '/echo', 'echo is still the test routes');
  const backend = await scrape(sim.view.backends[0]!.metricsUrl);
  assert.equal(metricSum(backend, 'backend_requests_total', { route: '/apps/work', code: '200' }), 12);
});

test('a service on an app whose backend is outside the sim is refused, naming the field', () => {
  const topology = {
    groups: [{ name: 'default' }],
    apps: [{ name: 'ext', group: 'default', backend: 'http://10.0.0.1:80', service: { time: { fixedMs: 1 } } }],
  };
  assert.throws(() => parseTopology(topology, 'test'), /apps\.0\.service.*served by the sim's backends/s);
});
