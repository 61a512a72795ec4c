import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { request } from '../helpers/http-client.ts';
import { metricSum, scrape, waitFor } from '../helpers/prom-text.ts';
import { startSim } from '../helpers/sim.ts';

const IDLE_MS = 2000;
const SLOW_UPLOADS = 650;
// 3 connectors x 200 slots = 600: the slow uploads alone could pin every slot of the group.
const sim = await startSim({
  groups: [{ name: 'default', connectors: 3 }],
  apps: [{ name: 'echo', group: 'default' }],
  requests: { idleTimeoutMs: IDLE_MS },
  dispatch: { queueTimeoutMs: 8000 },
});
const relay = sim.view.relays[0]!;
const publicPort = Number(new URL(sim.publicUrl).port);
const host = new URL(sim.view.apps[0]!.externalUrl).host;

/** An upload that promises 1,000 bytes and sends 1 byte every 3 s; resolves with the status it got. */
function slowUpload(): { status: Promise<number>; socket: net.Socket } {
  const socket = net.connect(publicPort, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(`POST /upload HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 1000\r\n\r\nx`);
  const drip = setInterval(() => socket.writable && socket.write('x'), 3000);
  let answer = '';
  socket.on('data', (d: Buffer) => (answer += d.toString()));
  const status = new Promise<number>((resolve) => {
    const done = () => {
      clearInterval(drip);
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0));
    };
    socket.once('close', done);
    setTimeout(() => socket.destroy(), 25_000); // bounded: a socket the relay never cuts fails the test
  });
  return { status, socket };
}

test("650 slow uploads do not starve the group's other requests past the idle bound", { timeout: 60_000 }, async (t) => {
  const uploads = Array.from({ length: SLOW_UPLOADS }, slowUpload);
  await waitFor(
    () => scrape(relay.metricsUrl),
    (s) => metricSum(s, 'relay_connector_inflight', { group: 'default' }) === 600,
    10_000,
    'every slot to be held',
  );

  const started = performance.now();
  const gets = await Promise.all(
    Array.from({ length: 20 }, () =>
      request(sim.publicUrl, host, { path: '/echo', headers: { accept: 'application/json' } }).then((r) => ({
        status: r.status,
        ms: performance.now() - started,
      })),
    ),
  );
  assert.deepEqual(new Set(gets.map((g) => g.status)), new Set([200]), 'every GET of the group was served');
  const slowest = Math.max(...gets.map((g) => g.ms));
  assert.ok(slowest < IDLE_MS + 2000, `the slowest GET waited ${Math.round(slowest)} ms: at most the idle bound and a margin`);

  t.diagnostic(`idle bound ${IDLE_MS} ms: 20 GETs behind ${SLOW_UPLOADS} slow uploads all 200, slowest ${Math.round(slowest)} ms`);
  const statuses = await Promise.all(uploads.map((u) => u.status));
  const timedOut = statuses.filter((s) => s === 408).length;
  assert.equal(timedOut, SLOW_UPLOADS, `every slow upload got 408 (statuses: ${JSON.stringify([...new Set(statuses)])})`);
  const samples = await scrape(relay.metricsUrl);
  assert.equal(metricSum(samples, 'relay_idle_timeouts_total', { direction: 'up' }), SLOW_UPLOADS, 'relay and clients agree on the count');
  assert.equal(metricSum(samples, 'relay_requests_total', { app: 'echo', method: 'POST', code: '408' }), SLOW_UPLOADS);
  assert.equal(metricSum(samples, 'relay_connector_inflight', { group: 'default' }), 0, 'every slot is free again');
});

test('downloads whose users stop reading are cut at the idle bound and free their slots', { timeout: 30_000 }, async () => {
  const before = metricSum(await scrape(relay.metricsUrl), 'relay_idle_timeouts_total', { direction: 'down' });
  const agent = new http.Agent({ keepAlive: false });
  const responses = await Promise.all(
    Array.from(
      { length: 5 },
      () =>
        new Promise<http.IncomingMessage>((resolve, reject) => {
          const req = http.get({ host: '127.0.0.1', port: publicPort, path: '/bytes/536870912', headers: { host }, agent }, (res) => {
            res.pause(); // never read: the relay's writes back up
            res.on('error', () => undefined);
            resolve(res);
          });
          req.on('error', reject);
        }),
    ),
  );
  // A client that does not read cannot see the close either; wait for the relay's own count.
  await waitFor(
    () => scrape(relay.metricsUrl),
    (s) => metricSum(s, 'relay_idle_timeouts_total', { direction: 'down' }) - before === 5,
    IDLE_MS + 5000,
    'the relay to cut all 5',
  );
  const samples = await scrape(relay.metricsUrl);
  assert.equal(metricSum(samples, 'relay_connector_inflight', { group: 'default' }), 0, 'their slots are free');
  // Reading now, each client finds its body truncated and its connection closed.
  for (const res of responses) {
    assert.equal(res.statusCode, 200);
    let bytes = 0;
    res.on('data', (chunk: Buffer) => (bytes += chunk.length));
    res.resume();
    await new Promise((resolve) => res.once('close', resolve));
    assert.equal(res.complete, false, 'the body was cut');
    assert.ok(bytes < 536_870_912, `${bytes} bytes of 512 MiB arrived`);
  }
});
