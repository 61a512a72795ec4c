import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from '../helpers/http-client.ts';
import { fault } from '../helpers/load.ts';
import { startSim } from '../helpers/sim.ts';

const sim = await startSim({ linkFaults: false, groups: [{ name: 'default', connectors: 1 }], apps: [{ name: 'echo', group: 'default' }] });
const host = new URL(sim.view.apps[0]!.externalUrl).host;

test('with linkFaults: false connectors dial the relay directly: traffic flows, link faults are refused by name, process faults still act', async () => {
  assert.equal((await request(sim.publicUrl, host, { path: '/echo' })).status, 200);
  for (const action of ['partition', 'latency'] as const) {
    const refused = await fault(sim.view.controlUrl, { action, target: 'connector:default-1', ...(action === 'latency' ? { params: { latencyMs: 50 } } : {}) });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.match(JSON.stringify(refused.body), /linkFaults: false/);
  }
  assert.equal((await request(sim.publicUrl, host, { path: '/echo' })).status, 200, 'nothing was cut');
  const paused = await fault(sim.view.controlUrl, { action: 'pause', target: 'connector:default-1' });
  assert.equal(paused.status, 200, JSON.stringify(paused.body));
  await fault(sim.view.controlUrl, { action: 'resume', target: 'connector:default-1' });
});
