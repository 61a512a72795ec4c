import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { UnauthenticatedSockets } from './unauthenticated-sockets.ts';

const refusals: string[] = [];
const strangers = new UnauthenticatedSockets({ handshakeTimeoutMs: 300, maxUnauthenticated: 3 }, (reason) => refusals.push(reason));
const serverSide: net.Socket[] = [];
const server = net.createServer((socket) => {
  if (!strangers.admit(socket)) return;
  serverSide.push(socket);
  socket.on('data', (data) => data.toString() === 'credential' && strangers.authenticated(socket));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as net.AddressInfo;
after(() => {
  strangers.close();
  server.close();
});

async function connect(): Promise<{ socket: net.Socket; closed: Promise<number> }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const started = Date.now();
  const closed = once(socket, 'close').then(() => Date.now() - started);
  await once(socket, 'connect');
  return { socket, closed };
}

test('a silent connection is cut at the handshake timeout; one that authenticates stays', async () => {
  const silent = await connect();
  const known = await connect();
  known.socket.write('credential');
  assert.ok((await silent.closed) >= 250, 'not before the timeout');
  assert.deepEqual(refusals, ['handshake_timeout']);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(known.socket.destroyed, false, 'the authenticated connection is still open');
  known.socket.destroy();
  refusals.length = 0;
});

test('over the cap of waiting strangers, a new connection is cut on arrival; closed ones free their place', async () => {
  const waiting = await Promise.all([connect(), connect(), connect()]);
  const fourth = await connect();
  assert.ok((await fourth.closed) < 250, 'cut at once');
  assert.deepEqual(refusals, ['too_many_unauthenticated']);
  waiting[0]!.socket.destroy();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(strangers.waiting, 2, 'a closed stranger no longer counts');
  const fifth = await connect();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(fifth.socket.destroyed, false);
  for (const s of [...waiting, fifth]) s.socket.destroy();
});
