import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from '../helpers/http-client.ts';
import { metricSum, scrape, waitFor } from '../helpers/prom-text.ts';
import { startSim } from '../helpers/sim.ts';

test('POST /certificates/revoke cuts a connector at every relay, including relays that only saw its certificate', async () => {
  const sim = await startSim({
    tls: 'on',
    relays: 2,
    groups: [{ name: 'default', connectors: 2 }],
    apps: [{ name: 'echo', group: 'default' }],
  });
  const ca = sim.cluster.pki!.ca.certificatePem;
  const echo = new URL(sim.view.apps[0]!.externalUrl).host;
  const revoke = (body: unknown) =>
    fetch(`${sim.view.controlUrl}/certificates/revoke`, { method: 'POST', body: JSON.stringify(body) }).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as Record<string, unknown>,
    }));

  const bad = await revoke({ connector: 'default-2' });
  assert.equal(bad.status, 400);
  assert.match(String(bad.body['error']), /connectorId|serial/);

  const done = await revoke({ connectorId: 'default-2' });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  const relays = done.body['relays'] as Record<string, { status: number; revoked: string[] }>;
  for (const id of ['relay-1', 'relay-2']) {
    assert.equal(relays[id]?.status, 200, `${id}: ${JSON.stringify(relays[id])}`);
    assert.ok(relays[id]!.revoked.length >= 1, `${id} revoked default-2's certificate`);
  }
  for (const relay of sim.view.relays) {
    await waitFor(
      async () => metricSum(await scrape(relay.metricsUrl), 'relay_connectors', { state: 'active' }),
      (n) => n === 1,
      10_000,
      `default-2 gone from ${relay.id}`,
    );
    for (let i = 0; i < 10; i++) assert.equal((await request(relay.publicUrl, echo, { path: '/echo', ca })).status, 200);
  }
  assert.equal((await revoke({ connectorId: 'nobody' })).status, 404);
});
