import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { metricSum, scrape } from '../helpers/prom-text.ts';
import { request } from '../helpers/http-client.ts';
import { startSim } from '../helpers/sim.ts';

/**
 * App Proxy runs "tens" of service instances behind Azure's load balancer; what they share, and
 * what a connector owes all of them together, is shown here with two relays.
 */
test("two relays: one connector never holds more than its slots across both; the excess waits in the relays' queues", async () => {
  const SLOTS = 4;
  const sim = await startSim({
    relays: 2,
    groups: [{ name: 'default', connectors: 1, slots: SLOTS }],
    apps: [{ name: 'echo', group: 'default' }],
    dispatch: { policy: 'random', queueLimit: 100, queueTimeoutMs: 20_000 },
  });
  const host = new URL(sim.view.apps[0]!.externalUrl).host;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  // 12 requests of 300 ms through each relay at once: 24 against 4 slots.
  const sent = sim.view.relays.flatMap((relay) =>
    Array.from({ length: 12 }, () => request(relay.publicUrl, host, { path: '/delay/300', agent, timeoutMs: 20_000 })),
  );
  const responses = await Promise.all(sent);
  agent.destroy();
  assert.deepEqual(
    responses.map((r) => r.status),
    Array(24).fill(200),
  );
  const connector = await scrape(sim.view.connectors[0]!.metricsUrl);
  const peak = metricSum(connector, 'connector_inflight_requests_peak');
  assert.equal(peak, SLOTS, `the connector held at most ${SLOTS} at once across both relays (peak ${peak})`);
  const relays = (await Promise.all(sim.view.relays.map((r) => scrape(r.metricsUrl)))).flat();
  const waits = metricSum(relays, 'relay_queue_wait_seconds_sum');
  // 24 requests through 4 slots at 300 ms each: the last wait about 5 x 300 ms; all together at least 4 x (0.3 + 0.6 + ... ).
  assert.ok(waits > 10, `queue wait summed over both relays ${waits.toFixed(2)} s`);
  assert.equal(metricSum(connector, 'connector_requests_total'), 24, 'the connector served each request once');
  console.log(
    `two relays, slots ${SLOTS}: connector peak ${peak}; queue wait ${waits.toFixed(2)} s in all over ${metricSum(relays, 'relay_queue_wait_seconds_count')} requests`,
  );
});
