import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from '../helpers/http-client.ts';
import { fault } from '../helpers/load.ts';
import { metricSum, scrape, waitFor } from '../helpers/prom-text.ts';
import { startSim } from '../helpers/sim.ts';

test('renewals while one relay is down: served through the other, links to the dead relay stay bounded, and roll over when it is back', async () => {
  const sim = await startSim({
    tls: 'on',
    relays: 2,
    certificates: { lifetime: '1h', renewAfter: '2s' },
    groups: [{ name: 'default', connectors: 1 }],
    apps: [{ name: 'echo', group: 'default' }],
  });
  const ca = sim.cluster.pki!.ca.certificatePem;
  const echo = new URL(sim.view.apps[0]!.externalUrl).host;
  const connector = sim.view.connectors[0]!;
  const linksTo = async (relay: string) => metricSum(await scrape(connector.metricsUrl), 'connector_control_channels', { relay });
  const renewals = async () => metricSum(await scrape(connector.metricsUrl), 'connector_certificate_requests_total', { kind: 'renew', outcome: 'ok' });

  assert.equal((await fault(sim.view.controlUrl, { action: 'kill', target: 'relay:relay-2' })).status, 200);
  const before = await renewals();
  await waitFor(renewals, (n) => n >= before + 4, 15_000, 'four renewals through relay-1');
  // One link still trying the old certificate, plus one pending replacement: never more.
  assert.ok((await linksTo('relay-2')) <= 2, `links to the dead relay: ${await linksTo('relay-2')}`);
  await waitFor(
    () => linksTo('relay-1'),
    (n) => n === 1,
    5000,
    'one link to relay-1 between renewals',
  );
  for (let i = 0; i < 10; i++) assert.equal((await request(sim.publicUrl, echo, { path: '/echo', ca })).status, 200);

  assert.equal((await fault(sim.view.controlUrl, { action: 'restart', target: 'relay:relay-2' })).status, 200);
  const relay2 = sim.view.relays.find((r) => r.id === 'relay-2')!;
  const activeOnRelay2 = () =>
    scrape(relay2.metricsUrl).then(
      (samples) => metricSum(samples, 'relay_connectors', { state: 'active' }),
      () => -1,
    ); // -1: not up yet
  await waitFor(activeOnRelay2, (n) => n === 1, 15_000, 'the connector back on relay-2');
  await waitFor(
    () => linksTo('relay-2'),
    (n) => n === 1,
    5000,
    'the old link to relay-2 retired',
  );
});
