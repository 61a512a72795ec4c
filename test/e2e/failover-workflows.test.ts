import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Readable } from 'node:stream';
import { fault, getLoad } from '../helpers/load.ts';
import { metricSum, scrape, waitFor } from '../helpers/prom-text.ts';
import { request } from '../helpers/http-client.ts';
import { startSim, type RunningSim } from '../helpers/sim.ts';
import { ControlClient, type FaultCall } from '../../sim/cluster/control-client.ts';

const relaySamples = (sim: RunningSim) => scrape(sim.view.relays[0]!.metricsUrl);
const hostOf = (sim: RunningSim, app: string) => new URL(sim.view.apps.find((a) => a.name === app)!.externalUrl).host;

/** A POST /upload whose body trickles in: 20 chunks of 1 KiB, `gapMs` apart. */
function slowUpload(sim: RunningSim, gapMs: number): Promise<{ status: number; code: string | undefined; body: string }> {
  const origin = new URL(sim.publicUrl);
  const body = Readable.from(
    (async function* () {
      for (let i = 0; i < 20; i++) {
        yield Buffer.alloc(1024, i);
        await new Promise((r) => setTimeout(r, gapMs));
      }
    })(),
  );
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname: origin.hostname, port: origin.port, method: 'POST', path: '/upload', headers: { host: hostOf(sim, 'echo'), 'transfer-encoding': 'chunked' } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, code: res.headers['x-relay-error'] as string | undefined, body: text }));
      },
    );
    req.on('error', reject);
    body.pipe(req);
  });
}

test('uploads in flight: pulled bodies on the killed connector get 502 connector_lost (counted on both sides); unpulled ones succeed elsewhere', async () => {
  const sim = await startSim({
    groups: [{ name: 'default', connectors: 2 }],
    apps: [{ name: 'echo', group: 'default' }],
    dispatch: { policy: 'round-robin', queueLimit: 100, queueTimeoutMs: 20_000 },
  });
  const [victim] = sim.view.connectors;
  const inflight = async (connector: string) => metricSum(await relaySamples(sim), 'relay_connector_inflight', { connector });
  const pulled = Array.from({ length: 6 }, () => slowUpload(sim, 150));
  await waitFor(
    () => inflight(victim!.id),
    (n) => n === 3,
    10_000,
    'three uploads streaming through the victim',
  );
  const pulledByVictim = await inflight(victim!.id);

  await fault(sim.view.controlUrl, { action: 'pause', target: `connector:${victim!.id}` });
  const unpulled = Array.from({ length: 4 }, () => slowUpload(sim, 10));
  await waitFor(
    () => inflight(victim!.id),
    (n) => n === pulledByVictim + 2,
    10_000,
    'two new uploads dispatched to the paused victim',
  );
  await fault(sim.view.controlUrl, { action: 'kill', target: `connector:${victim!.id}` });

  const first = await Promise.all(pulled);
  const lost = first.filter((r) => r.status === 502);
  assert.equal(lost.length, pulledByVictim, 'exactly the uploads the victim was pulling failed');
  for (const r of lost) assert.equal(r.code, 'connector_lost');
  for (const r of first.filter((x) => x.status !== 502)) assert.deepEqual(JSON.parse(r.body).bytes, 20 * 1024);
  const second = await Promise.all(unpulled);
  for (const r of second) {
    assert.equal(r.status, 200, `an unpulled upload was replayed on the survivor: ${r.code}`);
    assert.equal(JSON.parse(r.body).bytes, 20 * 1024);
  }
  const samples = await relaySamples(sim);
  assert.equal(metricSum(samples, 'relay_requests_total', { app: 'echo', code: '502' }), lost.length, 'the relay counted the same failures');
});

test('rolling restart: all 3 connectors restart one after another under load with zero failed requests', async () => {
  const sim = await startSim({
    groups: [{ name: 'default', connectors: 3 }],
    apps: [{ name: 'echo', group: 'default' }],
    dispatch: { policy: 'random', queueLimit: 5000, queueTimeoutMs: 10_000 },
  });
  const { runner, agent } = getLoad(sim, 'echo', '/delay/30', 200, 14_000);
  const run = runner.run();
  for (const connector of sim.view.connectors) {
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await fault(sim.view.controlUrl, { action: 'restart', target: `connector:${connector.id}` })).status, 200);
    await waitFor(
      () => new ControlClient(sim.view.controlUrl).events(),
      (events) => events.some((e) => e.action === 'back' && e.target === `connector:${connector.id}`),
      20_000,
      `${connector.id} to come back`,
    );
  }
  const report = await run;
  agent.destroy();
  assert.equal(report.errors, 0, `client errors: ${JSON.stringify(report.byErrorCode)}`);
  const samples = await relaySamples(sim);
  assert.equal(metricSum(samples, 'relay_connectors', { group: 'default', state: 'active' }), 3);
  console.log(`rolling restart: ${report.sent} sent, ${report.errors} failed, p99 ${report.latencyMs.p99} ms`);
});

test('whole group down: requests wait and succeed if a connector returns in time, else 504 no_connector', async () => {
  const sim = await startSim({
    groups: [{ name: 'default', connectors: 2 }],
    apps: [{ name: 'echo', group: 'default' }],
    dispatch: { policy: 'random', queueLimit: 100, queueTimeoutMs: 4000 },
  });
  for (const c of sim.view.connectors) await fault(sim.view.controlUrl, { action: 'kill', target: `connector:${c.id}` });
  await waitFor(
    async () => metricSum(await relaySamples(sim), 'relay_connectors', { group: 'default', state: 'active' }),
    (n) => n === 0,
    5000,
    'the group to be empty',
  );
  const host = hostOf(sim, 'echo');
  const waiting = Array.from({ length: 5 }, () => request(sim.publicUrl, host, { path: '/echo' }));
  await fault(sim.view.controlUrl, { action: 'restart', target: `connector:${sim.view.connectors[0]!.id}` });
  for (const res of await Promise.all(waiting)) assert.equal(res.status, 200, 'served once a connector came back');

  await fault(sim.view.controlUrl, { action: 'kill', target: `connector:${sim.view.connectors[0]!.id}` });
  await waitFor(
    async () => metricSum(await relaySamples(sim), 'relay_connectors', { group: 'default', state: 'active' }),
    (n) => n === 0,
    5000,
    'the group to be empty again',
  );
  const started = Date.now();
  const late = await request(sim.publicUrl, host, { path: '/echo', headers: { accept: 'application/json' } });
  assert.equal(late.status, 504);
  assert.equal(late.headers['x-relay-error'], 'no_connector');
  assert.ok(Date.now() - started >= 3900, 'it waited for the queue deadline');
});

test('latency fault: 200 ms on one link moves least-pending traffic away from that connector', async () => {
  const sim = await startSim({
    groups: [{ name: 'default', connectors: 3 }],
    apps: [{ name: 'echo', group: 'default' }],
    dispatch: { policy: 'least-pending', queueLimit: 1000, queueTimeoutMs: 10_000 },
  });
  const slow = sim.view.connectors[0]!.id;
  const shares = async () => {
    const samples = await relaySamples(sim);
    return sim.view.connectors.map((c) => metricSum(samples, 'relay_dispatch_total', { connector: c.id }));
  };
  const phase = async () => {
    const before = await shares();
    const { runner, agent } = getLoad(sim, 'echo', '/delay/20', 150, 3000);
    await runner.run();
    agent.destroy();
    const after = await shares();
    const delta = after.map((n, i) => n - before[i]!);
    const total = delta.reduce((a, b) => a + b, 0);
    return delta.map((n) => n / total);
  };
  const healthy = await phase();
  await fault(sim.view.controlUrl, { action: 'latency', target: `connector:${slow}`, params: { latencyMs: 200 } });
  const degraded = await phase();
  assert.ok(degraded[0]! < healthy[0]! / 2, `the slow connector's share fell from ${healthy[0]!.toFixed(2)} to ${degraded[0]!.toFixed(2)}`);
  assert.ok(degraded[0]! < 0.2, `slow share ${degraded[0]!.toFixed(2)}`);
  console.log(`least-pending share of the slowed connector: ${healthy[0]!.toFixed(2)} -> ${degraded[0]!.toFixed(2)}`);
});

test('the fault API answers 400 naming the bad part', async () => {
  const sim = await startSim({ groups: [{ name: 'default', connectors: 1 }], apps: [{ name: 'echo', group: 'default' }] });
  const cases: [FaultCall, RegExp][] = [
    [{ action: 'kill', target: 'connector:nope' }, /no connector "nope"/],
    [{ action: 'kill', target: 'group:nope' }, /no group "nope"/],
    [{ action: 'melt', target: 'connector:default-1' }, /action "melt" is not one of/],
    [{ action: 'latency', target: 'connector:default-1', params: { latencyMs: -5 } }, /params\.latencyMs/],
    [{ action: 'bandwidth', target: 'connector:default-1', params: { rateKBps: 10, speed: 'fast' } }, /speed/],
    [{ action: 'partition', target: 'backend:backend-1' }, /link fault/],
  ];
  for (const [body, message] of cases) {
    const res = await fault(sim.view.controlUrl, body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match(String(res.body['error']), message);
  }
  const notJson = await fetch(`${sim.view.controlUrl}/faults`, { method: 'POST', body: '{oops' });
  assert.equal(notJson.status, 400);
  assert.equal((await request(sim.publicUrl, hostOf(sim, 'echo'), { path: '/echo' })).status, 200, 'nothing was harmed');
});

test("the topology's fault plan runs on schedule and lands in the timeline", async () => {
  const sim = await startSim({
    groups: [{ name: 'default', connectors: 2 }],
    apps: [{ name: 'echo', group: 'default' }],
    faults: [{ at: '300ms', action: 'kill', target: 'connector:default-2' }],
  });
  const started = Date.now();
  sim.cluster.startFaultPlan();
  const events = await waitFor(
    () => new ControlClient(sim.view.controlUrl).events(),
    (list) => list.some((e) => e.action === 'dead' && e.target === 'connector:default-2'),
    5000,
    'the planned kill',
  );
  assert.ok(Date.now() - started >= 300);
  assert.ok(events.some((e) => e.type === 'fault' && e.action === 'kill' && e.target === 'connector:default-2'));
  const metrics = await (await fetch(`${sim.view.controlUrl}/metrics`)).text();
  assert.match(metrics, /sim_fault_events_total\{action="kill"\} 1/);
  assert.equal((await request(sim.publicUrl, hostOf(sim, 'echo'), { path: '/echo' })).status, 200, 'the survivor serves');
});
