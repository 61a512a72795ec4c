import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { request } from '../helpers/http-client.ts';
import { fault } from '../helpers/load.ts';
import { metricSum, scrape, waitFor } from '../helpers/prom-text.ts';
import { startSim } from '../helpers/sim.ts';
import { ControlClient } from '../../sim/cluster/control-client.ts';

const ATTACKER = fileURLToPath(new URL('../helpers/silent-sockets.ts', import.meta.url));
const sim = await startSim({ groups: [{ name: 'default', connectors: 2 }], apps: [{ name: 'echo', group: 'default' }] });
const relay = sim.view.relays[0]!;
const relayPid = relay.pid!;
const endpointPort = Number(new URL(relay.connectorUrl).port);
const host = new URL(sim.view.apps[0]!.externalUrl).host;

/** Runs one attacker process; resolves with what it saw. */
function attack(count: number, holdMs: number, oneByte: boolean): Promise<{ opened: number; cutByPeer: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', ATTACKER, String(endpointPort), String(count), String(holdMs), ...(oneByte ? ['--one-byte'] : [])],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as { opened: number; cutByPeer: number }) : reject(new Error(`attacker exited ${code}`)),
    );
  });
}

test('20,000 silent (or one-byte) sockets on the connector endpoint do not stop public traffic', { timeout: 90_000 }, async (t) => {
  const flood = Promise.all([attack(10_000, 12_000, false), attack(10_000, 12_000, true)]);
  let maxFds = 0;
  const statuses: number[] = [];
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline) {
    maxFds = Math.max(maxFds, readdirSync(`/proc/${relayPid}/fd`).length);
    const res = await request(sim.publicUrl, host, { path: '/echo', timeoutMs: 5000 }).catch(() => ({ status: 0 }));
    statuses.push(res.status);
    await new Promise((r) => setTimeout(r, 50));
  }
  const [silent, oneByte] = await flood;
  assert.ok(silent.opened + oneByte.opened > 15_000, `the attackers connected (${silent.opened} + ${oneByte.opened})`);
  assert.ok(statuses.length > 50);
  assert.deepEqual(new Set(statuses), new Set([200]), 'every public GET during the flood answered 200');
  assert.ok(maxFds < 2500, `the relay held at most ${maxFds} descriptors (cap 1,000 strangers)`);

  const samples = await scrape(relay.metricsUrl);
  const cut = metricSum(samples, 'relay_connector_endpoint_refused_total', { reason: 'too_many_unauthenticated' });
  const timedOut = metricSum(samples, 'relay_connector_endpoint_refused_total', { reason: 'handshake_timeout' });
  assert.ok(cut > 10_000, `${cut} cut on arrival`);
  assert.ok(timedOut >= 1000, `${timedOut} cut at the 10 s handshake timeout`);
  assert.equal(silent.cutByPeer + oneByte.cutByPeer >= cut + timedOut - 50, true, 'the attackers saw their sockets closed');
  t.diagnostic(
    `flood: ${silent.opened + oneByte.opened} connected, ${cut} cut on arrival, ${timedOut} cut at the handshake timeout; relay held at most ${maxFds} fds; ${statuses.length} public GETs during it, all 200`,
  );
  assert.equal(metricSum(samples, 'relay_connectors', { group: 'default', state: 'active' }), 2, 'registered connectors kept their channels');

  // A real connector still gets in afterwards.
  assert.equal((await fault(sim.view.controlUrl, { action: 'restart', target: 'connector:default-1' })).status, 200);
  const events = async () => await new ControlClient(sim.view.controlUrl).events();
  await waitFor(events, (list) => list.some((e) => e.action === 'back' && e.target === 'connector:default-1'), 20_000, 'default-1 to be back');
  await waitFor(
    () => scrape(relay.metricsUrl),
    (s) => metricSum(s, 'relay_connectors', { group: 'default', state: 'active' }) === 2,
    15_000,
    'default-1 to register again',
  );
});
