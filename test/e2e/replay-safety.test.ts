import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { fault } from '../helpers/load.ts';
import { metricSum, scrape, waitFor } from '../helpers/prom-text.ts';
import { request } from '../helpers/http-client.ts';
import { startSim } from '../helpers/sim.ts';

/**
 * DESIGN 5: only idempotent methods (RFC 9110) are ever replayed. A body-less POST is the case
 * the body check alone misses: its connector calls the backend right after `accept`, so a replay
 * after the connector dies would run it twice. Counted at the backend, the side that would suffer.
 */
const CASES = [
  { method: 'POST', mode: 'appproxy', backendCalls: 4, failed: 2 },
  { method: 'POST', mode: 'resilient', backendCalls: 4, failed: 2 },
  // The control: the same kill replays accepted GETs, so the backend count would catch a replayed POST.
  { method: 'GET', mode: 'resilient', backendCalls: 6, failed: 0 },
] as const;

for (const c of CASES) {
  const outcome = c.failed ? `the victim's ${c.failed} fail with 502 connector_lost` : `the victim's 2 are replayed on the survivor`;
  test(`${c.mode}: body-less ${c.method}s accepted by a connector that is then killed reach the backend ${c.backendCalls === 4 ? 'once each' : 'twice (replayed)'}; ${outcome}`, async () => {
    const sim = await startSim({
      groups: [{ name: 'default', connectors: 2 }],
      apps: [{ name: 'echo', group: 'default' }],
      dispatch: { policy: 'round-robin', queueLimit: 100, queueTimeoutMs: 10_000 },
      failover: { mode: c.mode },
    });
    const victim = sim.view.connectors[0]!.id;
    const host = new URL(sim.view.apps[0]!.externalUrl).host;
    const relayMetrics = () => scrape(sim.view.relays[0]!.metricsUrl);
    const backendCalls = async () => metricSum(await scrape(sim.view.backends[0]!.metricsUrl), 'backend_requests_total', { route: '/delay/:ms' });

    const answers = Array.from({ length: 4 }, () => request(sim.publicUrl, host, { method: c.method, path: '/delay/1500', timeoutMs: 20_000 }));
    await waitFor(
      async () => metricSum(await relayMetrics(), 'relay_connector_inflight', { connector: victim }),
      (n) => n === 2,
      5000,
      `two ${c.method}s on ${victim}`,
    );
    await sleep(300); // well past the accept (the backend holds each for 1.5 s)
    assert.equal((await fault(sim.view.controlUrl, { action: 'kill', target: `connector:${victim}` })).status, 200);
    const responses = await Promise.all(answers);
    await sleep(500); // the backend counts a request when its connection closes

    const failed = responses.filter((r) => r.status !== 200);
    assert.equal(failed.length, c.failed, `statuses ${responses.map((r) => r.status).join(', ')}`);
    for (const r of failed) assert.deepEqual([r.status, r.headers['x-relay-error']], [502, 'connector_lost']);
    assert.equal(await backendCalls(), c.backendCalls, 'requests that reached the backend');
    const samples = await relayMetrics();
    assert.equal(metricSum(samples, 'relay_requests_lost_total'), c.failed, 'the relay counted the same losses');
    assert.equal(metricSum(samples, 'relay_retries_total'), c.backendCalls - 4);
  });
}
