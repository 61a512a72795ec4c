import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { FaultProxy } from './fault-proxy.ts';
import { installable } from './toxics.ts';

const echo = net.createServer((s) => {
  s.on('error', () => s.destroy());
  s.pipe(s);
});
await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
after(() => echo.close());
const upstream = { host: '127.0.0.1', port: (echo.address() as net.AddressInfo).port };

const started = new WeakMap<FaultProxy, Promise<string>>();

async function connect(proxy: FaultProxy): Promise<{ socket: net.Socket; received: () => Buffer }> {
  if (!started.has(proxy)) started.set(proxy, proxy.start());
  const url = new URL(await started.get(proxy)!);
  const socket = net.connect(Number(url.port), '127.0.0.1');
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined);
  return { socket, received: () => Buffer.concat(chunks) };
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a partition holds data both ways without closing; heal delivers every byte in order', async (t) => {
  const proxy = new FaultProxy(upstream);
  t.after(() => proxy.close());
  const { socket, received } = await connect(proxy);
  socket.write('before ');
  await until(() => received().toString() === 'before ');
  proxy.partition();
  socket.write('during ');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(received().toString(), 'before ', 'nothing crosses a partition');
  assert.equal(socket.destroyed, false, 'the socket stays open: a silent failure');
  proxy.heal();
  socket.write('after');
  await until(() => received().toString() === 'before during after');
  socket.destroy();
});

test('latency delays a direction, and removing it live loses nothing', async (t) => {
  const proxy = new FaultProxy(upstream);
  t.after(() => proxy.close());
  const { socket, received } = await connect(proxy);
  proxy.addToxic(installable({ type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 300, jitter: 0 } }));
  const started = Date.now();
  socket.write('slow');
  await until(() => received().length === 4);
  assert.ok(Date.now() - started >= 280, `echo took ${Date.now() - started} ms with 300 ms latency`);
  socket.write('x'.repeat(1000));
  assert.equal(proxy.removeToxic('latency_downstream'), true);
  await until(() => received().length === 1004);
  socket.destroy();
});

test('limit_data closes the connection after that many bytes; reset_peer resets it', async (t) => {
  const proxy = new FaultProxy(upstream);
  t.after(() => proxy.close());
  const { socket, received } = await connect(proxy);
  proxy.addToxic(installable({ type: 'limit_data', stream: 'downstream', toxicity: 1, attributes: { bytes: 5 } }));
  socket.write('0123456789');
  await once(socket, 'close');
  assert.equal(received().toString(), '01234');

  const second = await connect(proxy);
  proxy.clear();
  proxy.addToxic(installable({ type: 'reset_peer', stream: 'downstream', toxicity: 1, attributes: { timeout: 50 } }));
  const [err] = (await once(second.socket, 'error')) as [NodeJS.ErrnoException];
  assert.equal(err.code, 'ECONNRESET');
});

test('toxicity 0 never applies', async (t) => {
  const proxy = new FaultProxy(upstream);
  t.after(() => proxy.close());
  const { socket, received } = await connect(proxy);
  proxy.addToxic(installable({ type: 'timeout', stream: 'downstream', toxicity: 0, attributes: { timeout: 0 } }));
  socket.write('free');
  await until(() => received().toString() === 'free');
  socket.destroy();
});

test('latency delays each byte without capping throughput: 4 MiB through 100 ms each way arrive in far less than 100 ms per chunk', async (t) => {
  const proxy = new FaultProxy(upstream);
  t.after(() => proxy.close());
  for (const stream of ['upstream', 'downstream'] as const) {
    proxy.addToxic(installable({ type: 'latency', stream, toxicity: 1, attributes: { latency: 100, jitter: 0 } }));
  }
  const { socket, received } = await connect(proxy);
  const payload = Buffer.alloc(4 * 1024 * 1024, 7);
  const begun = Date.now();
  for (let offset = 0; offset < payload.length; offset += 16 * 1024) socket.write(payload.subarray(offset, offset + 16 * 1024));
  await until(() => received().length >= 16 * 1024, 5000);
  const firstMs = Date.now() - begun;
  await until(() => received().length === payload.length, 10_000);
  const allMs = Date.now() - begun;
  assert.ok(firstMs >= 190, `the first bytes came back after ${firstMs} ms (one 200 ms round trip)`);
  // A stop-and-wait delay of 100 ms per chunk would take tens of seconds for hundreds of chunks.
  assert.ok(allMs < 2000, `all 4 MiB came back after ${allMs} ms`);
  assert.ok(received().equals(payload), 'every byte, in order');
  socket.destroy();
});
