import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { metricSum, scrape } from '../helpers/prom-text.ts';
import { startSim } from '../helpers/sim.ts';
import { closed, openWs, refusedUpgrade } from '../helpers/ws-client.ts';

const sim = await startSim({
  groups: [
    { name: 'default', connectors: 1 },
    { name: 'capped', connectors: 1 },
  ],
  apps: [
    { name: 'echo', group: 'default' },
    { name: 'capped', group: 'capped' },
  ],
  websocket: { keepaliveMs: 100, idleTimeoutMs: 400, maxSessionMs: 1500 },
});
const hostOf = (app: string) => new URL(sim.view.apps.find((a) => a.name === app)!.externalUrl).host;

test('the relay pings the user on its hop (keepalive)', async () => {
  const { ws } = await openWs(sim.publicUrl, hostOf('echo'), '/ws/echo');
  const [payload] = (await once(ws, 'ping')) as [Buffer];
  assert.equal(payload.toString(), 'relay-keepalive');
  ws.close();
  await closed(ws);
});

test('a session idle past idleTimeoutMs is closed with 1001', async () => {
  const { ws } = await openWs(sim.publicUrl, hostOf('echo'), '/ws/echo');
  const started = Date.now();
  const { code, reason } = await closed(ws);
  const after = Date.now() - started;
  assert.equal(code, 1001);
  assert.equal(reason, 'idle timeout');
  assert.ok(after >= 350 && after < 1200, `closed after ${after} ms`);
});

test('a busy session is still closed at maxSessionMs', async () => {
  const { ws } = await openWs(sim.publicUrl, hostOf('capped'), '/ws/echo');
  const started = Date.now();
  const chatter = setInterval(() => ws.send('keep me busy'), 50);
  const { code, reason } = await closed(ws);
  clearInterval(chatter);
  const after = Date.now() - started;
  assert.equal(code, 1001);
  assert.equal(reason, 'maximum session duration reached');
  assert.ok(after >= 1400 && after < 2500, `closed after ${after} ms`);
  const samples = await scrape(sim.view.relays[0]!.metricsUrl);
  assert.equal(metricSum(samples, 'relay_ws_sessions_total', { app: 'capped', outcome: 'max_duration' }), 1);
  assert.equal(metricSum(samples, 'relay_ws_sessions_total', { app: 'echo', outcome: 'idle_timeout' }), 1);
});

test('a client IP over websocket.maxUpgradesPerIp is refused with 429; a closed session frees its slot', async () => {
  const capped = await startSim({
    groups: [{ name: 'default', connectors: 1 }],
    apps: [{ name: 'echo', group: 'default' }],
    websocket: { maxUpgradesPerIp: 3 },
  });
  const host = new URL(capped.view.apps[0]!.externalUrl).host;
  const open = await Promise.all([1, 2, 3].map(() => openWs(capped.publicUrl, host, '/ws/echo')));
  const refused = await refusedUpgrade(capped.publicUrl, host, '/ws/echo');
  assert.equal(refused.status, 429);
  assert.equal(refused.headers['x-relay-error'], 'throttled');
  open[0]!.ws.close();
  await closed(open[0]!.ws);
  // The relay frees the slot when its side of the socket closes, a moment after ours: retry, bounded.
  let again: Awaited<ReturnType<typeof openWs>> | undefined;
  for (let attempt = 0; !again && attempt < 40; attempt++) {
    again = await openWs(capped.publicUrl, host, '/ws/echo').catch(() => undefined);
    if (!again) await new Promise((r) => setTimeout(r, 25));
  }
  assert.ok(again, 'a closed session freed its slot');
  again.ws.close();
  for (const { ws } of open.slice(1)) ws.close();
});
