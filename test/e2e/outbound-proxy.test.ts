import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { createProxy } from 'proxy';
import { ComponentProcess } from '../../sim/cluster/component-process.ts';
import { request } from '../helpers/http-client.ts';
import { InspectingProxy } from '../helpers/inspecting-proxy.ts';
import { metricSum, scrape, waitFor } from '../helpers/prom-text.ts';
import { startSim } from '../helpers/sim.ts';

/** A real forward proxy (the `proxy` package) on loopback that records every CONNECT authority. */
async function startProxy(authenticate?: () => boolean): Promise<{ url: string; connects: string[]; server: http.Server }> {
  const server = createProxy(http.createServer());
  if (authenticate) server.authenticate = authenticate;
  const connects: string[] = [];
  server.on('connect', (req: http.IncomingMessage) => connects.push(req.url ?? ''));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, connects, server };
}

const open = await startProxy();
const sim = await startSim({
  tls: 'on',
  groups: [{ name: 'branch', connectors: 2, outboundProxy: open.url }],
  apps: [{ name: 'echo', group: 'branch' }],
});
const relay = sim.view.relays[0]!;
const relayAuthority = new URL(relay.connectorUrl).host;
const ca = sim.cluster.pki!.ca.certificatePem;
const echo = new URL(sim.view.apps[0]!.externalUrl).host;

/** Starts one more connector of group `branch` behind `outboundProxy`, without waiting for it to be ready. */
async function connectorBehind(id: string, outboundProxy: string): Promise<ComponentProcess> {
  const connector = new ComponentProcess({
    kind: 'connector',
    id,
    config: {
      id,
      group: 'branch',
      relays: [{ id: relay.id, url: `http://${relayAuthority}` }],
      token: sim.cluster.connectorToken,
      metricsPort: 0,
      outboundProxy,
      reconnect: { initialMs: 200, maxMs: 1000, resetAfterMs: 30_000 },
      tls: { caCertificatePem: ca, adminToken: sim.cluster.pki!.adminToken },
    },
    pinPorts: (config) => config,
    logLevel: process.env['RELAY_SIM_TEST_LOG'] ?? 'error',
  });
  after(() => connector.stop('SIGTERM', 5000));
  await connector.start({ waitReady: false, timeoutMs: 20_000 });
  return connector;
}

async function readyz(connector: ComponentProcess): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${connector.ports['metrics']}/readyz`);
  return { status: res.status, body: await res.text() };
}

test('connectors behind a CONNECT proxy register, hold their links and serve traffic through it', async () => {
  const toRelay = open.connects.filter((authority) => authority === relayAuthority);
  // Each connector: one registration, then a control and a data-plane connection.
  assert.ok(toRelay.length >= 6, `CONNECTs to the relay: ${JSON.stringify(open.connects)}`);
  assert.equal(toRelay.length, open.connects.length, 'every CONNECT names the relay itself');
  for (let i = 0; i < 10; i++) {
    const res = await request(sim.publicUrl, echo, { path: '/bytes/1048576', ca });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 1 << 20);
  }
  assert.equal(metricSum(await scrape(relay.metricsUrl), 'relay_connectors', { group: 'branch', state: 'active' }), 2);
});

test('a proxy that demands authentication (407): the connector says proxy authentication is not supported, /readyz 503', async () => {
  const guarded = await startProxy(() => false);
  const connector = await connectorBehind('branch-407', guarded.url);
  const state = await waitFor(
    () => readyz(connector),
    (r) => /proxy authentication is not supported/.test(r.body),
    10_000,
    'the 407 to be reported',
  );
  assert.equal(state.status, 503);
  assert.ok(guarded.connects.includes(relayAuthority));
  const samples = await scrape(`http://127.0.0.1:${connector.ports['metrics']}/metrics`);
  assert.ok(metricSum(samples, 'connector_link_errors_total', { code: 'proxy_auth_unsupported' }) >= 1);
});

test('a TLS-inspecting proxy that re-signs traffic: a clear handshake error within the dial timeout, not a hang', async () => {
  const inspecting = new InspectingProxy();
  const url = await inspecting.start();
  after(() => inspecting.close());
  const started = Date.now();
  const connector = await connectorBehind('branch-inspected', url);
  const state = await waitFor(
    () => readyz(connector),
    (r) => /not signed by the relay CA/.test(r.body),
    10_000,
    'the handshake failure to be reported',
  );
  console.log(`TLS inspection reported ${Date.now() - started} ms after the connector started`);
  assert.equal(state.status, 503);
  assert.match(state.body, /Contoso TLS Inspection CA/);
  assert.match(state.body, /TLS-inspecting proxy/);
  assert.ok(inspecting.connects.includes(relayAuthority), 'the proxy really sat in the path');
  const samples = await scrape(`http://127.0.0.1:${connector.ports['metrics']}/metrics`);
  assert.ok(metricSum(samples, 'connector_link_errors_total', { code: 'relay_untrusted' }) >= 1);
});
