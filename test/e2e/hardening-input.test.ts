import { test } from 'node:test';
import assert from 'node:assert/strict';
import { json, request } from '../helpers/http-client.ts';
import { rawExchange, rawGet } from '../helpers/raw-http.ts';
import { startSim } from '../helpers/sim.ts';
import { alive } from '../helpers/processes.ts';

// Inputs from an adversarial run against `npm run sim` (issue 11): each used to crash a process,
// leak through a trust boundary, or be answered outside the relay's format.
const sim = await startSim({ groups: [{ name: 'default', connectors: 1 }], apps: [{ name: 'echo', group: 'default' }] });
const publicPort = Number(new URL(sim.publicUrl).port);
const controlPort = Number(new URL(sim.view.controlUrl).port);
const backend = sim.view.backends[0]!;
const backendPort = Number(new URL(backend.url).port);
const echoHost = new URL(sim.view.apps[0]!.externalUrl).host;

function everyProcessAlive(): void {
  for (const pid of sim.cluster.pids()) assert.ok(alive(pid), `process ${pid} is alive`);
  assert.equal(sim.cluster.pids().length, 3, 'relay, connector and backend are all still running');
}

async function echoWorks(): Promise<void> {
  const res = await request(sim.publicUrl, echoHost, { path: '/echo' });
  assert.equal(res.status, 200, 'the published app still answers');
}

test('GET //, /// and //@ on the control API answer 400 and the sim keeps running', async () => {
  for (const path of ['//', '///', '//@']) {
    const res = await rawExchange(controlPort, rawGet(path, '127.0.0.1'));
    assert.equal(res.status, 400, path);
    assert.match(res.text, /"error":"malformed request target/);
  }
  assert.equal((await fetch(`${sim.view.controlUrl}/topology`)).status, 200);
  everyProcessAlive();
  await echoWorks();
});

test("GET // through the public listener gets the relay's 400; the backend is never asked and keeps serving", async () => {
  for (const path of ['//', '///', '//@']) {
    const res = await rawExchange(publicPort, rawGet(path, echoHost));
    assert.equal(res.status, 400, path);
    assert.match(res.text, /x-relay-error: bad_request/);
    assert.match(res.text, /This corporate app can't be accessed/);
  }
  const upgrade = await rawExchange(
    publicPort,
    rawGet('//', echoHost, ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==']),
  );
  assert.equal(upgrade.status, 400);
  assert.match(upgrade.text, /x-relay-error: bad_request/);
  everyProcessAlive();
  await echoWorks();
});

test('GET // and a WebSocket upgrade to // sent straight to the backend answer 400 and it keeps running', async () => {
  const res = await rawExchange(backendPort, rawGet('//', '127.0.0.1'));
  assert.equal(res.status, 400);
  assert.match(res.text, /malformed request target/);
  const upgrade = await rawExchange(
    backendPort,
    rawGet('//', '127.0.0.1', ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==']),
  );
  assert.equal(upgrade.status, 400);
  everyProcessAlive();
  await echoWorks();
});

test('X-Forwarded-Host is the Host the relay routed on; client X-Forwarded-Host and -Proto are dropped, -For is appended to', async () => {
  const res = await request(sim.publicUrl, echoHost, {
    path: '/headers',
    headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' },
  });
  const seen = json<Record<string, string>>(res);
  assert.equal(seen['x-forwarded-host'], echoHost);
  assert.equal(seen['x-forwarded-proto'], 'http');
  assert.equal(seen['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
});

test("an HTTP/1.1 request without Host gets the relay's 400, not Node's bare one", async () => {
  const res = await rawExchange(publicPort, rawGet('/echo', undefined));
  assert.equal(res.statusLine, 'HTTP/1.1 400 Bad Request');
  assert.match(res.text, /x-relay-error: bad_request/);
  assert.match(res.text, /must carry a Host header/);
});

test('the 60-header cap holds on /_relay/ paths and for unknown hosts too', async () => {
  const headers = Array.from({ length: 60 }, (_, i) => `X-H${i}: v`);
  for (const [path, host] of [
    ['/_relay/healthz', echoHost],
    ['/echo', 'nope.localhost'],
  ] as const) {
    const res = await rawExchange(publicPort, rawGet(path, host, headers));
    assert.equal(res.status, 431, `${path} on ${host}`);
    assert.match(res.text, /x-relay-error: request_header_fields_too_large/);
  }
});

test('a backend Set-Cookie for relay_session never reaches the user; other cookies do', async () => {
  const res = await request(sim.publicUrl, echoHost, { path: '/cookies/set?relay_session=forged&theme=dark' });
  assert.equal(res.status, 200);
  assert.deepEqual(res.headers['set-cookie'], ['theme=dark; Path=/']);
});

test("the backend's /metrics, /healthz and /readyz are not published through the relay; Prometheus still reads them directly", async () => {
  for (const path of ['/metrics', '/healthz', '/readyz']) {
    const res = await request(sim.publicUrl, echoHost, { path });
    assert.equal(res.status, 404, `${path} through the relay`);
  }
  const direct = await fetch(backend.metricsUrl);
  assert.equal(direct.status, 200);
  assert.match(await direct.text(), /backend_requests_total/);
});

test("a slowloris head is cut at the documented 20 s with the relay's 408", { timeout: 40_000 }, async () => {
  // Never finishes its head: one header line, then silence.
  const res = await rawExchange(publicPort, `GET /echo HTTP/1.1\r\nHost: ${echoHost}\r\n`, 30_000);
  assert.equal(res.status, 408);
  assert.match(res.text, /x-relay-error: request_timeout/);
  assert.ok(res.closed, 'the connection is closed');
  assert.ok(res.elapsedMs >= 19_500 && res.elapsedMs <= 22_500, `cut after ${res.elapsedMs} ms`);
});
