import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { request } from '../helpers/http-client.ts';
import { metricSum, scrape } from '../helpers/prom-text.ts';
import { startSim, type RunningSim } from '../helpers/sim.ts';

async function concurrentGets(sim: RunningSim, app: string, path: string, count: number): Promise<{ statuses: number[]; latenciesS: number[] }> {
  const host = new URL(sim.view.apps.find((a) => a.name === app)!.externalUrl).host;
  const agent = new http.Agent({ keepAlive: true, maxSockets: count });
  try {
    const results = await Promise.all(
      Array.from({ length: count }, async () => {
        const started = performance.now();
        const res = await request(sim.publicUrl, host, { path, agent, timeoutMs: 60_000 });
        return { status: res.status, latencyS: (performance.now() - started) / 1000 };
      }),
    );
    return { statuses: results.map((r) => r.status), latenciesS: results.map((r) => r.latencyS) };
  } finally {
    agent.destroy();
  }
}

async function perConnector(sim: RunningSim, group: string) {
  const relay = await scrape(sim.metricsUrl('relay-1'));
  return Promise.all(
    sim.view.connectors
      .filter((c) => c.group === group)
      .map(async (c) => {
        const own = await scrape(c.metricsUrl);
        return {
          id: c.id,
          dispatchedByRelay: metricSum(relay, 'relay_dispatch_total', { group, connector: c.id }),
          servedByConnector: metricSum(own, 'connector_requests_total', { code: '200' }),
          peakInflight: metricSum(own, 'connector_inflight_requests_peak'),
        };
      }),
  );
}

describe('spread: 1,000 concurrent requests over the 3 connectors of one group', () => {
  const slots = 40;
  test('random policy: every connector serves about a third, none exceeds its slots, counts agree on both sides', async () => {
    const sim = await startSim({
      groups: [{ name: 'default', connectors: 3, slots }],
      apps: [{ name: 'echo', group: 'default' }],
      dispatch: { policy: 'random', queueLimit: 2000, queueTimeoutMs: 30_000 },
    });
    const { statuses } = await concurrentGets(sim, 'echo', '/delay/50', 1000);
    assert.deepEqual(new Set(statuses), new Set([200]));
    const shares = await perConnector(sim, 'default');
    assert.equal(
      shares.reduce((sum, s) => sum + s.dispatchedByRelay, 0),
      1000,
    );
    for (const share of shares) {
      assert.equal(share.servedByConnector, share.dispatchedByRelay, `${share.id}: relay and connector counts agree`);
      // Uniform choice among free connectors: a binomial share around 1/3 (±5σ ≈ ±75).
      assert.ok(share.dispatchedByRelay > 258 && share.dispatchedByRelay < 408, `${share.id} served ${share.dispatchedByRelay}`);
      assert.ok(share.peakInflight <= slots, `${share.id} peaked at ${share.peakInflight} in flight; slots ${slots}`);
      assert.equal(share.peakInflight, slots, `${share.id} was saturated, so the slot cap was exercised`);
    }
  });

  test('round-robin policy with room for all: shares are equal to within one request', async () => {
    // Round-robin skips a full connector, so equal shares are only predicted when none fills up.
    const roomy = 400;
    const sim = await startSim({
      groups: [{ name: 'default', connectors: 3, slots: roomy }],
      apps: [{ name: 'echo', group: 'default' }],
      dispatch: { policy: 'round-robin', queueLimit: 2000, queueTimeoutMs: 30_000 },
    });
    const { statuses } = await concurrentGets(sim, 'echo', '/echo', 1000);
    assert.deepEqual(new Set(statuses), new Set([200]));
    const shares = await perConnector(sim, 'default');
    const counts = shares.map((s) => s.dispatchedByRelay);
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      1000,
    );
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `round-robin shares ${counts.join(', ')}`);
    for (const share of shares) {
      assert.equal(share.servedByConnector, share.dispatchedByRelay);
      assert.ok(share.peakInflight <= roomy);
    }
  });
});

test('queueing: 2 connectors x 2 slots, 200 ms backend, 20 concurrent requests; queue wait metrics match what happened', async () => {
  const sim = await startSim({
    groups: [{ name: 'default', connectors: 2, slots: 2 }],
    apps: [{ name: 'echo', group: 'default' }],
    dispatch: { policy: 'least-pending', queueLimit: 100, queueTimeoutMs: 10_000 },
  });
  const { statuses, latenciesS } = await concurrentGets(sim, 'echo', '/delay/200', 20);
  assert.deepEqual(statuses, Array(20).fill(200));

  const relay = await scrape(sim.metricsUrl('relay-1'));
  const waitCount = metricSum(relay, 'relay_queue_wait_seconds_count', { group: 'default' });
  const waitSum = metricSum(relay, 'relay_queue_wait_seconds_sum', { group: 'default' });
  assert.equal(waitCount, 20, 'every request passed the queue once');
  // 4 slots serve 5 waves of 200 ms: 4 requests wait 0, 4 wait 0.2 s, ... 4 wait 0.8 s = 8 s in all.
  assert.ok(waitSum > 7.5 && waitSum < 9.5, `queue wait sum ${waitSum.toFixed(2)} s; ideal 8 s`);

  // Cross-check with the client side: latency = queue wait + backend time + relay overhead.
  let backendSum = 0;
  for (const c of sim.view.connectors) backendSum += metricSum(await scrape(c.metricsUrl), 'connector_backend_duration_seconds_sum');
  const clientSum = latenciesS.reduce((a, b) => a + b, 0);
  const overheadPerRequest = (clientSum - backendSum - waitSum) / 20;
  assert.ok(overheadPerRequest >= 0 && overheadPerRequest < 0.05, `unexplained latency ${(overheadPerRequest * 1000).toFixed(1)} ms per request`);
  const slowest = Math.max(...latenciesS);
  assert.ok(slowest > 0.95 && slowest < 1.5, `the last wave finished after ${slowest.toFixed(2)} s; ideal 1.0 s`);
  const depth = metricSum(relay, 'relay_queue_depth', { group: 'default' });
  assert.equal(depth, 0, 'the queue drained');
});
