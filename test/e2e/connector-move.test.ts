import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { fault } from '../helpers/load.ts';
import { metricSum, scrape, waitFor } from '../helpers/prom-text.ts';
import { request } from '../helpers/http-client.ts';
import { startSim } from '../helpers/sim.ts';
import { ControlClient } from '../../sim/cluster/control-client.ts';

const sim = await startSim({
  groups: [
    { name: 'default', connectors: 2 },
    { name: 'eu', connectors: 1 },
  ],
  apps: [
    { name: 'echo', group: 'default' },
    { name: 'euapp', group: 'eu' },
  ],
  dispatch: { policy: 'round-robin', queueLimit: 100, queueTimeoutMs: 1500 },
  configRefreshMs: 1000,
});
const control = new ControlClient(sim.view.controlUrl);
const hostOf = (app: string) => new URL(sim.view.apps.find((a) => a.name === app)!.externalUrl).host;
const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
const dispatchedTo = async (connector: string) => metricSum(await scrape(sim.view.relays[0]!.metricsUrl), 'relay_dispatch_total', { connector });
const gets = (app: string, n: number, path = '/echo') => Promise.all(Array.from({ length: n }, () => request(sim.publicUrl, hostOf(app), { path, agent })));
const movedEvent = (connector: string, after: number) =>
  waitFor(
    () => control.events(),
    (events) => events.some((e) => e.action === 'connector-moved' && e.target === `connector:${connector}` && e.t > after),
    5000,
    `${connector} to pull its configuration and move`,
  );

test('move: the relay assigns groups; after its next pull the moved connector gets no more default traffic and serves eu; its requests in flight finish', async () => {
  const inFlight = gets('echo', 4, '/delay/1500'); // round-robin: two on each default connector
  await new Promise((r) => setTimeout(r, 200));
  const since = (await control.events()).at(-1)?.t ?? 0;
  const moved = await fault(sim.view.controlUrl, { action: 'move', target: 'connector:default-2', params: { group: 'eu' } });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  const events = await movedEvent('default-2', since);
  const pulledAfterMs = events.find((e) => e.action === 'connector-moved')!.t - events.find((e) => e.action === 'move')!.t;
  assert.ok(pulledAfterMs <= 1000 + 300, `moved ${pulledAfterMs} ms after the administrator's move (pull every 1000 ms)`);
  assert.deepEqual(
    (await inFlight).map((r) => r.status),
    [200, 200, 200, 200],
    'the requests it held when it moved finished',
  );

  const before = await dispatchedTo('default-2');
  const echo = await gets('echo', 20);
  assert.deepEqual(new Set(echo.map((r) => r.status)), new Set([200]));
  assert.equal(await dispatchedTo('default-2'), before, 'no default traffic reaches the moved connector');
  const eu = await gets('euapp', 20);
  assert.deepEqual(new Set(eu.map((r) => r.status)), new Set([200]));
  assert.equal(await dispatchedTo('default-2'), before + 10, 'it serves eu now, beside eu-1 (round-robin: half of 20)');
  const view = await control.topology();
  assert.equal(view.connectors.find((c) => c.id === 'default-2')!.group, 'eu');
});

test('move the last connectors out of a group: its apps get 504 no_connector', async () => {
  const since = (await control.events()).at(-1)?.t ?? 0;
  for (const connector of ['eu-1', 'default-2']) {
    assert.equal((await fault(sim.view.controlUrl, { action: 'move', target: `connector:${connector}`, params: { group: 'default' } })).status, 200);
  }
  await movedEvent('eu-1', since);
  await movedEvent('default-2', since);
  const [answer] = await gets('euapp', 1);
  assert.equal(answer!.status, 504);
  assert.equal(answer!.headers['x-relay-error'], 'no_connector');
  assert.deepEqual(new Set((await gets('echo', 9)).map((r) => r.status)), new Set([200]), 'default now has all three');
  agent.destroy();
});

test('move answers 400 for a group that does not exist or a target that is not a connector', async () => {
  const unknown = await fault(sim.view.controlUrl, { action: 'move', target: 'connector:default-1', params: { group: 'nope' } });
  assert.equal(unknown.status, 400);
  assert.match(String(unknown.body['error']), /no group "nope"/);
  const group = await fault(sim.view.controlUrl, { action: 'move', target: 'group:default', params: { group: 'eu' } });
  assert.equal(group.status, 400);
});
