import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { dataPlanePath, DATA_HEADERS } from '../../sim/protocol/data-plane-paths.ts';
import { encodeInlineResponse } from '../../sim/protocol/inline-response.ts';
import { request } from '../helpers/http-client.ts';
import { rawExchange, rawGet } from '../helpers/raw-http.ts';
import { metricSum, scrape } from '../helpers/prom-text.ts';
import { ProtocolPeer } from '../helpers/protocol-peer.ts';
import { startSim } from '../helpers/sim.ts';

const sim = await startSim({
  groups: [
    { name: 'default', connectors: 1 },
    { name: 'lab', connectors: 0 },
  ],
  apps: [
    { name: 'echo', group: 'default' },
    { name: 'lab', group: 'lab' },
  ],
});
const relay = sim.view.relays[0]!;
const token = sim.cluster.connectorToken;
const publicPort = Number(new URL(sim.publicUrl).port);
const hostOf = (app: string) => new URL(sim.view.apps.find((a) => a.name === app)!.externalUrl).host;

async function assertOthersUnaffected(): Promise<void> {
  const res = await request(sim.publicUrl, hostOf('echo'), { path: '/echo' });
  assert.equal(res.status, 200, 'users of the real connector are unaffected');
  const samples = await scrape(relay.metricsUrl);
  assert.equal(metricSum(samples, 'relay_connectors', { group: 'default', state: 'active' }), 1, 'the real connector stays registered');
}

/** The relay answered `peer` with an `error` frame of `code`, closed it with 1008, and nobody else noticed. */
async function assertViolationClosed(peer: ProtocolPeer, code: string): Promise<void> {
  const error = await peer.next((m) => m.type === 'error');
  assert.equal((error as { code: string }).code, code);
  assert.equal((await peer.closed).code, 1008);
  await assertOthersUnaffected();
  peer.close();
}

async function protocolErrors(code: string): Promise<number> {
  return metricSum(await scrape(relay.metricsUrl), 'relay_protocol_errors_total', { code });
}

test('a malformed frame is answered with an error and the channel is closed', async () => {
  const peer = await ProtocolPeer.register(relay.connectorUrl, token, 'rogue-1', 'lab');
  peer.sendRaw('{"type": "accept", "id": ');
  const error = await peer.next((m) => m.type === 'error');
  assert.deepEqual({ type: error.type, code: (error as { code: string }).code }, { type: 'error', code: 'malformed_frame' });
  assert.equal((await peer.closed).code, 1008);
  assert.equal(await protocolErrors('malformed_frame'), 1);
  await assertOthersUnaffected();
  peer.close();
});

test('an unknown message type is answered with an error and the channel is closed', async () => {
  const peer = await ProtocolPeer.register(relay.connectorUrl, token, 'rogue-2', 'lab');
  peer.sendJson({ type: 'explode', id: 'x' });
  await assertViolationClosed(peer, 'unknown_message');
});

test('a response for an id the connector did not accept is refused and the channel is closed', async () => {
  const peer = await ProtocolPeer.register(relay.connectorUrl, token, 'rogue-3', 'lab');
  const answer = await peer.stream(dataPlanePath(randomUUID(), 'response'), 'POST', { [DATA_HEADERS.status]: '200' }, Buffer.from('forged'));
  assert.equal(answer.status, 404);
  assert.equal(JSON.parse(answer.body).code, 'unknown_request');
  await assertViolationClosed(peer, 'unknown_request');
});

test("a body request for another connector's id is refused, that channel closed, and the rightful request completes", async () => {
  const a = await ProtocolPeer.register(relay.connectorUrl, token, 'lab-a', 'lab');
  const b = await ProtocolPeer.register(relay.connectorUrl, token, 'lab-b', 'lab');
  const userRequest = request(sim.publicUrl, hostOf('lab'), { method: 'POST', path: '/upload', body: 'secret upload' });
  const dispatch = await Promise.race([a.next((m) => m.type === 'dispatch'), b.next((m) => m.type === 'dispatch')]);
  const id = (dispatch as { id: string }).id;
  const [owner, thief] = a.dispatches.some((d) => d.id === id) ? [a, b] : [b, a];

  const stolen = await thief.stream(dataPlanePath(id, 'body'), 'GET');
  assert.equal(stolen.status, 403);
  assert.equal(JSON.parse(stolen.body).code, 'not_your_request');
  assert.equal(stolen.body.includes('secret'), false, 'no byte of the upload leaks');
  assert.equal((await thief.closed).code, 1008);

  owner.sendJson({ type: 'accept', id });
  const body = await owner.stream(dataPlanePath(id, 'body'), 'GET');
  assert.deepEqual(body, { status: 200, body: 'secret upload' });
  const pushed = await owner.stream(
    dataPlanePath(id, 'response'),
    'POST',
    { [DATA_HEADERS.status]: '201', [DATA_HEADERS.head]: JSON.stringify(['content-type', 'text/plain']) },
    Buffer.from('stored'),
  );
  assert.equal(pushed.status, 200);
  const res = await userRequest;
  assert.equal(res.status, 201);
  assert.equal(res.body.toString(), 'stored');
  assert.equal(await protocolErrors('not_your_request'), 1);
  await assertOthersUnaffected();
  a.close();
  b.close();
});

test('a response head Node cannot write closes that channel; the user gets "502 Bad Gateway" and the relay stays up', async () => {
  const peer = await ProtocolPeer.register(relay.connectorUrl, token, 'rogue-5', 'lab');
  const userRequest = rawExchange(publicPort, rawGet('/echo', hostOf('lab'), ['Accept: application/json']));
  const dispatch = (await peer.next((m) => m.type === 'dispatch')) as { id: string };
  peer.sendJson({ type: 'accept', id: dispatch.id });
  peer.sendBinary(
    Buffer.concat(encodeInlineResponse({ type: 'response', id: dispatch.id, status: 200, headers: ['bad header name', 'x'] }, [Buffer.from('nope')])),
  );
  const error = await peer.next((m) => m.type === 'error');
  assert.equal((error as { code: string }).code, 'malformed_frame');
  assert.equal((await peer.closed).code, 1008);
  const res = await userRequest;
  assert.equal(res.statusLine, 'HTTP/1.1 502 Bad Gateway', 'the reason phrase matches the status (it read "502 OK")');
  assert.match(res.text, /x-relay-error: connector_lost/);
  await assertOthersUnaffected();
  peer.close();
});

/** A peer that accepts the next `lab` request and streams `body` back under the head `rawHead`. */
async function respondWith(
  name: string,
  rawHead: string[],
  body: Buffer,
  waitMs = 5000,
): Promise<{ user: ReturnType<typeof rawExchange>; peer: ProtocolPeer }> {
  const peer = await ProtocolPeer.register(relay.connectorUrl, token, name, 'lab');
  // Keep-alive, as browsers use: the answer must end where its Content-Length says, or the connection must close.
  const user = rawExchange(publicPort, `GET /echo HTTP/1.1\r\nHost: ${hostOf('lab')}\r\n\r\n`, waitMs);
  const dispatch = (await peer.next((m) => m.type === 'dispatch')) as { id: string };
  peer.sendJson({ type: 'accept', id: dispatch.id });
  const stream = peer.session.request({
    ':path': dataPlanePath(dispatch.id, 'response'),
    ':method': 'POST',
    [DATA_HEADERS.token]: peer.welcome.dataToken,
    [DATA_HEADERS.status]: '200',
    [DATA_HEADERS.head]: JSON.stringify(rawHead),
  });
  stream.on('error', () => undefined);
  stream.end(body);
  return { user, peer };
}

test("a connector body longer than its Content-Length is cut: the user's keep-alive connection closes and never carries a second response", async () => {
  const smuggled = 'HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nforged';
  const before = await protocolErrors('malformed_frame');
  const { user, peer } = await respondWith('rogue-6', ['content-length', '5'], Buffer.from(`hello${smuggled}`));
  const res = await user;
  assert.ok(res.status === 200 || res.status === 0, `the promised head at most (got ${res.statusLine})`);
  assert.ok(res.closed, 'the connection is closed rather than left open for the smuggled bytes');
  assert.ok(res.text.split('HTTP/1.1').length - 1 <= 1, 'never a second response on the connection');
  assert.doesNotMatch(res.text, /forged/);
  assert.equal(await protocolErrors('malformed_frame'), before + 1);
  peer.close();
});

test('a connector body shorter than its Content-Length ends with a closed connection, not a hang', async () => {
  const { user, peer } = await respondWith('rogue-7', ['content-length', '100'], Buffer.from('short'));
  const res = await user;
  assert.ok(res.closed, `closed within the wait (after ${res.elapsedMs} ms)`);
  assert.ok(res.elapsedMs < 4000);
  assert.equal(res.status, 200);
  peer.close();
});

test('conflicting Content-Length values from a connector are a violation; the user gets 502', async () => {
  const { user, peer } = await respondWith('rogue-8', ['content-length', '5', 'content-length', '7'], Buffer.from('hello'), 1500);
  const error = await peer.next((m) => m.type === 'error');
  assert.equal((error as { code: string }).code, 'malformed_frame');
  const res = await user;
  assert.equal(res.statusLine, 'HTTP/1.1 502 Bad Gateway');
  peer.close();
});

test('a control channel without the connector token is refused at the upgrade', async () => {
  await assert.rejects(ProtocolPeer.register(relay.connectorUrl, 'wrong-token-123', 'rogue-4', 'lab'), /401/);
});
