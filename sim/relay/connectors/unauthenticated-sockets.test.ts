import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { ManualClock } from '../../common/clock.ts';
import { UnauthenticatedSockets } from './unauthenticated-sockets.ts';

const clock = new ManualClock();
const refusals: string[] = [];
const strangers = new UnauthenticatedSockets({ handshakeTimeoutMs: 300, maxUnauthenticated: 3 }, (reason) => refusals.push(reason), clock);
const arrivals: net.Socket[] = [];
const waiters: ((socket: net.Socket) => void)[] = [];
const server = net.createServer((socket) => {
  socket.on('error', () => undefined);
  if (strangers.admit(socket)) socket.on('data', (data) => data.toString() === 'credential' && strangers.authenticated(socket));
  const waiter = waiters.shift();
  if (waiter) waiter(socket);
  else arrivals.push(socket);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as net.AddressInfo;
after(() => {
  strangers.close();
  server.close();
});

/** Connects; resolves with both ends once the server has seen (and admitted or cut) it. */
async function connect(): Promise<{ client: net.Socket; server: net.Socket }> {
  const serverSide = new Promise<net.Socket>((resolve) => waiters.push(resolve));
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => undefined);
  return { client, server: await serverSide };
}

test('a silent connection is cut at the handshake timeout; one that authenticates stays', async () => {
  const silent = await connect();
  const known = await connect();
  known.client.write('credential');
  await once(known.server, 'data');
  clock.advance(299);
  assert.equal(silent.server.destroyed, false, 'not before the timeout');
  clock.advance(1);
  assert.equal(silent.server.destroyed, true);
  assert.deepEqual(refusals, ['handshake_timeout']);
  assert.equal(known.server.destroyed, false, 'the authenticated connection is still open');
  known.client.destroy();
  await once(known.server, 'close');
  refusals.length = 0;
});

test('over the cap of waiting strangers, a new connection is cut on arrival; closed ones free their place', async () => {
  const waiting = [await connect(), await connect(), await connect()];
  const fourth = await connect();
  assert.equal(fourth.server.destroyed, true, 'cut at once');
  assert.deepEqual(refusals, ['too_many_unauthenticated']);
  waiting[0]!.client.destroy();
  await once(waiting[0]!.server, 'close');
  assert.equal(strangers.waiting, 2, 'a closed stranger no longer counts');
  const fifth = await connect();
  assert.equal(fifth.server.destroyed, false);
  for (const s of [...waiting, fifth]) s.client.destroy();
});
