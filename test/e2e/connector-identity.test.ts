import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { request } from '../helpers/http-client.ts';
import { fault } from '../helpers/load.ts';
import { metricSum, scrape, waitFor } from '../helpers/prom-text.ts';
import { ProtocolPeer } from '../helpers/protocol-peer.ts';
import { startSim } from '../helpers/sim.ts';
import { ControlClient } from '../../sim/cluster/control-client.ts';

// A local process that could read the connector token could join a group under a connected
// connector's id and be sent signed-in users' requests (issue 11, item 6).
const sim = await startSim({ groups: [{ name: 'default', connectors: 2 }], apps: [{ name: 'echo', group: 'default' }], tls: 'on' });
const plain = await startSim({ groups: [{ name: 'default', connectors: 2 }], apps: [{ name: 'echo', group: 'default' }] });

test("no credential appears in any component's command line or environment", { skip: existsSync('/proc/self/cmdline') ? false : 'needs /proc (Linux)' }, () => {
  const secrets = [plain.cluster.connectorToken, sim.cluster.connectorToken, sim.cluster.pki!.adminToken, 'PRIVATE KEY'];
  const pids = [...plain.cluster.pids(), ...sim.cluster.pids()];
  assert.equal(pids.length, 8);
  for (const pid of pids) {
    for (const file of ['cmdline', 'environ']) {
      const text = readFileSync(`/proc/${pid}/${file}`, 'latin1');
      for (const secret of secrets) assert.equal(text.includes(secret), false, `/proc/${pid}/${file} holds a credential`);
    }
  }
});

test("an impostor with a stolen token and a connected connector's id is refused and gets no traffic", async () => {
  const relay = plain.view.relays[0]!;
  const host = new URL(plain.view.apps[0]!.externalUrl).host;
  const impostor = await ProtocolPeer.hello(relay.connectorUrl, plain.cluster.connectorToken, 'default-1', 'default');
  const refusal = await impostor.next((m) => m.type === 'error');
  assert.equal((refusal as { code: string }).code, 'unauthorized');
  assert.match((refusal as { detail: string }).detail, /already connected from another process/);
  assert.equal((await impostor.closed).code, 1008);

  const statuses = await Promise.all(Array.from({ length: 50 }, () => request(plain.publicUrl, host, { path: '/echo' }).then((r) => r.status)));
  assert.deepEqual(new Set(statuses), new Set([200]));
  assert.equal(impostor.dispatches.length, 0, 'not one request reached the impostor');
  const samples = await scrape(relay.metricsUrl);
  assert.equal(metricSum(samples, 'relay_connectors', { group: 'default', state: 'active' }), 2, 'the real connectors keep their channels');
  assert.equal(metricSum(samples, 'relay_failovers_total'), 0);
  const events = await new ControlClient(plain.view.controlUrl).events();
  assert.equal(
    events.filter((e) => e.target === 'connector:default-1' && /dead|left/.test(e.action)).length,
    0,
    'the timeline shows no false death of default-1',
  );
  impostor.close();
});

test('a restarted connector takes its id back once its old channel is gone', async () => {
  const relay = plain.view.relays[0]!;
  assert.equal((await fault(plain.view.controlUrl, { action: 'kill', target: 'connector:default-2' })).status, 200);
  await waitFor(
    () => scrape(relay.metricsUrl),
    (s) => metricSum(s, 'relay_connectors', { group: 'default', state: 'active' }) === 1,
    5000,
    'the kill to be seen',
  );
  assert.equal((await fault(plain.view.controlUrl, { action: 'restart', target: 'connector:default-2' })).status, 200);
  await waitFor(
    () => scrape(relay.metricsUrl),
    (s) => metricSum(s, 'relay_connectors', { group: 'default', state: 'active' }) === 2,
    10_000,
    'default-2 to register again',
  );
});
