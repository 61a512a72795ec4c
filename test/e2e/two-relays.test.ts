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

test('two relays share the service keys: a token from one and the session cookie it opens work on the other', async () => {
  const sim = await startSim({
    relays: 2,
    groups: [{ name: 'default', connectors: 1 }],
    users: ['user1'],
    apps: [{ name: 'secure', group: 'default', preAuth: 'relay', assignedUsers: ['user1'] }],
  });
  const host = new URL(sim.view.apps[0]!.externalUrl).host;
  const [one, two] = sim.view.relays.map((r) => r.publicUrl) as [string, string];
  const issued = await request(one, host, {
    method: 'POST',
    path: '/_relay/sts/token',
    body: JSON.stringify({ user: 'user1', app: 'secure' }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(issued.status, 200);
  const { token } = JSON.parse(issued.body.toString()) as { token: string };
  const viaToken = await request(two, host, { path: '/headers', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  assert.equal(viaToken.status, 200, `relay-2 took relay-1's token: ${viaToken.body.toString()}`);
  const cookie = String(viaToken.headers['set-cookie']).split(';')[0]!;
  const viaCookie = await request(one, host, { path: '/headers', headers: { cookie, accept: 'application/json' } });
  assert.equal(viaCookie.status, 200, `relay-1 took relay-2's session cookie: ${viaCookie.body.toString()}`);
  assert.equal(JSON.parse(viaCookie.body.toString())['x-relay-user'], 'user1');
  const forged = await request(one, host, { path: '/headers', headers: { cookie: `${cookie.slice(0, -4)}AAAA`, accept: 'application/json' } });
  assert.equal(forged.status, 401, 'a tampered cookie is still no session');
});

test('two relays: the app limit (50/s here) holds in total across both, with users spread over them', async () => {
  const RATE = 50;
  const sim = await startSim({
    relays: 2,
    groups: [{ name: 'default', connectors: 2 }],
    apps: [{ name: 'echo', group: 'default' }],
    limits: { appRps: RATE },
  });
  const host = new URL(sim.view.apps[0]!.externalUrl).host;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
  // 100 requests/s for 3 s, alternating between the relays as a load balancer would spread users.
  const outcomes: Promise<number>[] = [];
  for (let tick = 0; tick < 30; tick++) {
    for (let i = 0; i < 10; i++) {
      const relay = sim.view.relays[(tick * 10 + i) % 2]!;
      outcomes.push(request(relay.publicUrl, host, { path: '/echo', agent }).then((r) => r.status));
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const statuses = await Promise.all(outcomes);
  agent.destroy();
  const admitted = statuses.filter((s) => s === 200).length;
  assert.equal(admitted + statuses.filter((s) => s === 429).length, 300, 'only 200s and 429s');
  // The service's bucket: a full second (50) plus 50/s over the 3 s run, about 200 of 300. Two
  // relays each enforcing the whole limit would admit nearly all 300.
  assert.ok(admitted >= 185 && admitted <= 215, `${admitted} of 300 admitted in total across both relays`);
  const relays = (await Promise.all(sim.view.relays.map((r) => scrape(r.metricsUrl)))).flat();
  assert.equal(metricSum(relays, 'relay_throttled_total', { app: 'echo' }), 300 - admitted, 'the relays counted the same 429s');
});
