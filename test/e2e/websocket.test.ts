import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { metricSum, scrape, waitFor } from '../helpers/prom-text.ts';
import { RssSampler } from '../helpers/process-memory.ts';
import { startSim } from '../helpers/sim.ts';
import { closed, openWs, refusedUpgrade } from '../helpers/ws-client.ts';

const MiB = 1 << 20;
const sim = await startSim({
  groups: [{ name: 'default', connectors: 1 }],
  apps: [{ name: 'echo', group: 'default' }],
  websocket: { maxMessageBytes: 2 * MiB },
});
const { publicUrl } = sim;
const host = new URL(sim.view.apps[0]!.externalUrl).host;
const relay = sim.view.relays[0]!;
const backend = sim.view.backends[0]!;

async function backendCloses(): Promise<{ route: string; code: number; reason: string }[]> {
  return (await (await fetch(`${backend.url}/ws/closes`)).json()) as { route: string; code: number; reason: string }[];
}

test('10,000 mixed text/binary messages and one 1 MiB binary message echo byte-identical and in order', async () => {
  const { ws } = await openWs(publicUrl, host, '/ws/echo');
  const sent: { data: Buffer; binary: boolean }[] = [];
  for (let i = 0; i < 10_000; i++) {
    const binary = i % 3 === 0;
    sent.push({ data: binary ? randomBytes(1 + (i % 200)) : Buffer.from(`msg ${i} ${'é'.repeat(i % 20)}`), binary });
  }
  sent.splice(5000, 0, { data: randomBytes(MiB), binary: true });
  const received: { data: Buffer; binary: boolean }[] = [];
  const done = new Promise<void>((resolve) => {
    ws.on('message', (data: Buffer, binary: boolean) => {
      received.push({ data, binary });
      if (received.length === sent.length) resolve();
    });
  });
  for (const m of sent) ws.send(m.data, { binary: m.binary });
  await done;
  for (let i = 0; i < sent.length; i++) {
    assert.equal(received[i]!.binary, sent[i]!.binary, `message ${i} keeps its type`);
    assert.ok(received[i]!.data.equals(sent[i]!.data), `message ${i} is byte-identical`);
  }
  const samples = await scrape(relay.metricsUrl);
  assert.equal(metricSum(samples, 'relay_ws_messages_total', { app: 'echo', direction: 'up' }), sent.length);
  assert.equal(metricSum(samples, 'relay_ws_messages_total', { app: 'echo', direction: 'down' }), sent.length);
  ws.close(1000);
  await closed(ws);
});

test("the user's close code and reason reach the backend; the backend's reach the user", async () => {
  const first = await openWs(publicUrl, host, '/ws/echo');
  first.ws.close(4001, 'bye');
  await closed(first.ws);
  const seen = await waitFor(backendCloses, (list) => list.some((c) => c.code === 4001), 5000, 'the backend to see 4001');
  assert.equal(seen.find((c) => c.code === 4001)!.reason, 'bye');

  const second = await openWs(publicUrl, host, '/ws/echo');
  second.ws.send('close:4002:server says bye');
  assert.deepEqual(await closed(second.ws), { code: 4002, reason: 'server says bye' });
});

test('pings are relayed end to end and answered by the backend', async () => {
  const { ws } = await openWs(publicUrl, host, '/ws/echo');
  ws.ping(Buffer.from('are-you-there'));
  const [payload] = (await once(ws, 'pong')) as [Buffer];
  assert.equal(payload.toString(), 'are-you-there');
  ws.close();
  await closed(ws);
});

test('the upgrade response carries the backend headers but never its Set-Cookie', async () => {
  const { ws, upgrade } = await openWs(publicUrl, host, '/ws/echo');
  assert.equal(upgrade.headers['x-backend-upgrade'], 'yes');
  assert.equal(upgrade.headers['set-cookie'], undefined);
  ws.close();
  await closed(ws);
});

test('a backend refusing the upgrade with 403 makes the user see 403', async () => {
  const refused = await refusedUpgrade(publicUrl, host, '/ws/reject?status=403');
  assert.equal(refused.status, 403);
  const notFound = await refusedUpgrade(publicUrl, host, '/ws/nowhere');
  assert.equal(notFound.status, 404);
});

test('a malformed upgrade gets 400 from the relay and is never dispatched', async () => {
  const dispatchedBefore = metricSum(await scrape(relay.metricsUrl), 'relay_dispatch_total');
  const port = Number(new URL(publicUrl).port);
  const rawUpgrade = async (key: string, version: string) => {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `GET /ws/echo HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: ${version}\r\n\r\n`,
    );
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    await once(socket, 'close');
    return text;
  };
  const badKey = await rawUpgrade('not-a-key', '13');
  assert.match(badKey, /^HTTP\/1\.1 400 /);
  assert.match(badKey, /x-relay-error: bad_request/);
  const badVersion = await rawUpgrade('dGhlIHNhbXBsZSBub25jZQ==', '8');
  assert.match(badVersion, /^HTTP\/1\.1 400 /);
  assert.equal(metricSum(await scrape(relay.metricsUrl), 'relay_dispatch_total'), dispatchedBefore, 'nothing was dispatched');
});

test('a message above the maximum closes the session with 1009 at both ends', async () => {
  const { ws } = await openWs(publicUrl, host, '/ws/echo');
  ws.send(Buffer.alloc(3 * MiB));
  const { code } = await closed(ws);
  assert.equal(code, 1009);
  await waitFor(backendCloses, (list) => list.some((c) => c.code === 1009), 5000, 'the backend to see 1009');
});

test('a user that stops reading while the ticker pushes keeps relay and connector memory bounded', async () => {
  const pids = [relay.pid!, sim.view.connectors[0]!.pid!];
  const sampler = await RssSampler.start(pids);
  const { ws } = await openWs(publicUrl, host, '/ws/ticker?intervalMs=1&bytes=65536');
  let received = 0;
  ws.on('message', (d: Buffer) => (received += d.length));
  await waitFor(
    async () => received,
    (n) => n > 0,
    5000,
    'the first tick',
  );
  ws.pause(); // stop reading: TCP backpressure from here on
  await new Promise((r) => setTimeout(r, 3000));
  const growth = await sampler.stop();
  const pushedMiB = (3000 * 65536) / MiB; // what the ticker would have pushed without backpressure
  for (const [pid, bytes] of growth) {
    assert.ok(bytes < 64 * MiB, `pid ${pid} grew ${(bytes / MiB).toFixed(1)} MiB while ${pushedMiB.toFixed(0)} MiB were offered`);
  }
  ws.terminate();
});
