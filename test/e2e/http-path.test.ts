import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { json, request } from '../helpers/http-client.ts';
import { metricSum, scrape, waitFor } from '../helpers/prom-text.ts';
import { unusedPort } from '../helpers/ports.ts';
import { startSim } from '../helpers/sim.ts';

const deadPort = await unusedPort();
const sim = await startSim({
  groups: [
    { name: 'default', connectors: 1, slots: 1 },
    { name: 'empty', connectors: 0 },
  ],
  apps: [
    { name: 'echo', group: 'default' },
    { name: 'ghost', group: 'empty' },
    { name: 'closed', group: 'default', backend: `http://127.0.0.1:${deadPort}` },
    { name: 'slow', group: 'default', backendTimeout: 1000 },
  ],
  dispatch: { policy: 'random', queueLimit: 2, queueTimeoutMs: 600 },
});
const { publicUrl } = sim;
const externalEcho = sim.view.apps.find((a) => a.name === 'echo')!.externalUrl;
const echoHost = new URL(externalEcho).host;
const host = (app: string) => `${app}.localhost:${new URL(publicUrl).port}`;
const JSON_ACCEPT = { accept: 'application/json' };

test('a GET through the relay returns the backend body, and the backend sees X-Forwarded-For', async () => {
  const res = await request(publicUrl, echoHost, { path: '/echo?q=1', headers: { 'x-forwarded-for': '203.0.113.7' } });
  assert.equal(res.status, 200);
  const body = json<{ path: string; query: Record<string, string>; headers: Record<string, string> }>(res);
  assert.equal(body.path, '/echo');
  assert.deepEqual(body.query, { q: '1' });
  assert.equal(body.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
  assert.equal(body.headers['x-forwarded-host'], echoHost);
  const backendUrl = new URL(sim.view.backends[0]!.url);
  assert.equal(body.headers['host'], backendUrl.host, 'the backend sees its internal host');
  assert.match(String(res.headers['x-relay-request-id']), /^[0-9a-f-]{36}$/);
});

test('an absolute Location on the internal host comes back rewritten to the external URL', async () => {
  const res = await request(publicUrl, echoHost, { path: '/redirect?to=/landing?x=1' });
  assert.equal(res.status, 302);
  assert.equal(res.headers.location, `${externalEcho}/landing?x=1`);
});

test('an unknown Host gives 404 app_not_found, as HTML by default and JSON on request', async () => {
  const html = await request(publicUrl, 'nope.localhost');
  assert.equal(html.status, 404);
  assert.equal(html.headers['x-relay-error'], 'app_not_found');
  assert.match(String(html.headers['content-type']), /text\/html/);
  assert.match(html.body.toString(), /This corporate app can't be accessed/);
  const api = await request(publicUrl, 'nope.localhost', { headers: JSON_ACCEPT });
  assert.equal(api.status, 404);
  const body = json(api);
  assert.equal(body['code'], 'app_not_found');
  assert.equal(body['status'], 404);
  assert.equal(typeof body['requestId'], 'string');
});

test('an app whose group has no connector gives 504 no_connector once the queue deadline passes', async () => {
  const started = Date.now();
  const res = await request(publicUrl, host('ghost'), { headers: JSON_ACCEPT });
  const waited = Date.now() - started;
  assert.equal(res.status, 504);
  assert.equal(res.headers['x-relay-error'], 'no_connector');
  assert.equal(json(res)['code'], 'no_connector');
  assert.ok(waited >= 550 && waited < 3000, `answered after ${waited} ms; the queue deadline is 600 ms`);
});

test('a closed backend port gives 502 backend_unreachable', async () => {
  const res = await request(publicUrl, host('closed'), { headers: JSON_ACCEPT });
  assert.equal(res.status, 502);
  assert.equal(res.headers['x-relay-error'], 'backend_unreachable');
  assert.equal(json(res)['code'], 'backend_unreachable');
});

test('a backend slower than the 1 s backend timeout gives 504 backend_timeout', async () => {
  const started = Date.now();
  const res = await request(publicUrl, host('slow'), { path: '/delay/3000', headers: JSON_ACCEPT });
  const waited = Date.now() - started;
  assert.equal(res.status, 504);
  assert.equal(res.headers['x-relay-error'], 'backend_timeout');
  assert.ok(waited >= 950 && waited < 2500, `answered after ${waited} ms; the backend timeout is 1000 ms`);
});

test('60 request headers pass; 61 give 431 request_header_fields_too_large', async () => {
  // Exactly n headers on the wire: n - 3 custom ones, accept, connection, and the host the helper adds.
  const headers = (n: number) => [
    ...Array.from({ length: n - 3 }, (_, i) => [`x-h${i}`, 'v']).flat(),
    'accept',
    'application/json',
    'connection',
    'keep-alive',
  ];
  const ok = await request(publicUrl, echoHost, { headers: headers(60) });
  assert.equal(ok.status, 200);
  assert.equal(Object.keys(json<{ headers: object }>(ok).headers).length >= 57, true);
  const tooMany = await request(publicUrl, echoHost, { headers: headers(61) });
  assert.equal(tooMany.status, 431);
  assert.equal(tooMany.headers['x-relay-error'], 'request_header_fields_too_large');
  assert.equal(json(tooMany)['code'], 'request_header_fields_too_large');
});

test('a full queue gives 503 queue_full with Retry-After; the queued ones time out with 504 queue_timeout', async () => {
  const relayMetrics = sim.metricsUrl('relay-1');
  const depth = async () => metricSum(await scrape(relayMetrics), 'relay_queue_depth', { group: 'default' });
  const inflight = async () => metricSum(await scrape(relayMetrics), 'relay_connector_inflight', { group: 'default' });
  const holder = request(publicUrl, echoHost, { path: '/delay/1500' });
  await waitFor(inflight, (n) => n === 1, 5000, 'the only slot to be taken');
  const queued = [request(publicUrl, echoHost, { headers: JSON_ACCEPT }), request(publicUrl, echoHost, { headers: JSON_ACCEPT })];
  await waitFor(depth, (n) => n === 2, 5000, 'two queued requests');
  const rejected = await request(publicUrl, echoHost, { headers: JSON_ACCEPT });
  assert.equal(rejected.status, 503);
  assert.equal(rejected.headers['x-relay-error'], 'queue_full');
  assert.equal(rejected.headers['retry-after'], '1');
  for (const res of await Promise.all(queued)) {
    assert.equal(res.status, 504);
    assert.equal(res.headers['x-relay-error'], 'queue_timeout');
  }
  assert.equal((await holder).status, 200);
  const samples = await scrape(relayMetrics);
  assert.equal(metricSum(samples, 'relay_queue_rejected_total', { group: 'default', reason: 'queue_full' }), 1);
  assert.equal(metricSum(samples, 'relay_queue_rejected_total', { group: 'default', reason: 'queue_timeout' }), 2);
});

test('an oversized request head gets 431 from the relay, in its own format', async () => {
  const socket = net.connect(Number(new URL(publicUrl).port), '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`GET /echo HTTP/1.1\r\nHost: ${echoHost}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  let answer = '';
  socket.on('data', (d: Buffer) => (answer += d.toString()));
  await once(socket, 'close');
  assert.match(answer, /^HTTP\/1\.1 431 /);
  assert.match(answer, /x-relay-error: request_header_fields_too_large/);
  assert.match(answer, /This corporate app can't be accessed/);
});

test("/_relay/healthz is the relay's own, on any host", async () => {
  for (const host of [echoHost, 'nope.localhost']) {
    const res = await request(publicUrl, host, { path: '/_relay/healthz' });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'ok\n');
  }
});
