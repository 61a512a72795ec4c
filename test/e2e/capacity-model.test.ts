import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getLoad } from '../helpers/load.ts';
import { metricSum, scrape } from '../helpers/prom-text.ts';
import { startSim } from '../helpers/sim.ts';
import { openWs } from '../helpers/ws-client.ts';
import { randomBytes } from 'node:crypto';
import { parseTopology } from '../../sim/cluster/topology.ts';

/**
 * The capacity model bounds a connector by its modelled CPU, not by this machine: one virtual CPU
 * at 20 ms a request serves 50 requests/s however fast the host is. (Calibration against
 * Microsoft's table is a benchmark: npm run bench:capacity.)
 */
test('a connector with 1 virtual CPU at 20 ms a request delivers about 50 requests/s when offered 100/s; the wait for its CPU is measured', async () => {
  const sim = await startSim({
    groups: [{ name: 'default', connectors: 1, capacity: { cores: 1, perRequestMs: 20, perKiBMs: 0 } }],
    apps: [{ name: 'echo', group: 'default' }],
    dispatch: { policy: 'random', queueLimit: 1000, queueTimeoutMs: 30_000 },
  });
  const { runner, agent } = getLoad(sim, 'echo', '/echo', 100, 3000);
  const started = performance.now();
  const report = await runner.run();
  const wallS = (performance.now() - started) / 1000;
  agent.destroy();
  assert.equal(report.errors, 0, JSON.stringify(report.byErrorCode));
  const throughput = report.ok / wallS;
  // About 300 requests through a 50/s server take about 6 s; the host alone would take about 3.
  assert.ok(throughput > 42 && throughput < 56, `delivered ${throughput.toFixed(1)} requests/s over ${wallS.toFixed(1)} s`);
  const connector = await scrape(sim.view.connectors[0]!.metricsUrl);
  const waits = metricSum(connector, 'connector_cpu_wait_seconds_count', { kind: 'request' });
  const waitedS = metricSum(connector, 'connector_cpu_wait_seconds_sum', { kind: 'request' });
  assert.equal(waits, report.sent, 'every request passed the virtual CPU once');
  assert.ok(waitedS > 100, `requests waited ${waitedS.toFixed(1)} s for the CPU in all (the queue grows by 50/s for 3 s)`);
  assert.equal(metricSum(connector, 'connector_cpu_late_total'), 0, 'the host kept up with the model');
  console.log(`capacity model 1 x 20 ms: ${report.ok} requests in ${wallS.toFixed(1)} s = ${throughput.toFixed(1)}/s; CPU wait ${waitedS.toFixed(1)} s in all`);
});

test('WebSocket messages cost CPU per KiB: 20 echoed 10 KiB messages at 5 ms a KiB take about 1 s on 2 virtual CPUs, arrive intact and in order', async () => {
  const sim = await startSim({
    groups: [{ name: 'default', connectors: 1, capacity: { cores: 2, perRequestMs: 1, perKiBMs: 5 } }],
    apps: [{ name: 'echo', group: 'default' }],
  });
  const { ws } = await openWs(sim.publicUrl, new URL(sim.view.apps[0]!.externalUrl).host, '/ws/echo');
  const before = metricSum(await scrape(sim.view.connectors[0]!.metricsUrl), 'connector_cpu_wait_seconds_count', { kind: 'bytes' });
  const sent = Array.from({ length: 20 }, () => randomBytes(10 * 1024));
  const received: Buffer[] = [];
  const started = performance.now();
  const done = new Promise<void>((resolve) =>
    ws.on('message', (data: Buffer) => {
      if (received.push(data) === sent.length) resolve();
    }),
  );
  for (const message of sent) ws.send(message); // all at once: two virtual CPUs, yet in order
  await done;
  const tookMs = performance.now() - started;
  ws.close();
  // Each message costs 50 ms twice (to the backend, and back): 2,000 ms of CPU on 2 vCPUs take
  // at least 1 s (the host alone echoes them in a few ms).
  assert.ok(tookMs > 1000 && tookMs < 3000, `20 echoes took ${tookMs.toFixed(0)} ms`);
  assert.deepEqual(
    received.map((m) => m.toString('hex')),
    sent.map((m) => m.toString('hex')),
  );
  const after = metricSum(await scrape(sim.view.connectors[0]!.metricsUrl), 'connector_cpu_wait_seconds_count', { kind: 'bytes' });
  assert.equal(after - before, 40, 'each message paid its bytes twice: in and out');
  console.log(`WebSocket per-KiB cost: 20 echoes of 10 KiB at 5 ms a KiB took ${tookMs.toFixed(0)} ms`);
});

test('an unknown preset is refused when the topology loads, naming the field', () => {
  const topology: unknown = { groups: [{ name: 'default', capacity: { cores: 3 } }], apps: [{ name: 'echo', group: 'default' }] };
  assert.throws(() => parseTopology(topology, 'test'), /groups\.0\.capacity/);
});
