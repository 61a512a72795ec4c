import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { closeServer, listen } from '../../sim/common/listen.ts';
import { OpenModelRunner } from '../drivers/open-model.ts';
import { warmUpRequestPath, WARM_UP_FROM_RATE } from './generator-warm-up.ts';
import { httpSender, LoadClient, type HttpScenario } from './http-scenarios.ts';

const GET: HttpScenario = { name: 'get', kind: 'get', app: 'echo', path: '/echo', share: 1, arrival: { kind: 'constant' } };

/** A server that counts requests and the connections they came on. */
async function countingServer(): Promise<{ url: URL; requests: () => number; connections: () => number; server: http.Server }> {
  let requests = 0;
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    requests++;
    sockets.add(req.socket);
    res.end('ok');
  });
  const port = await listen(server, 0, '127.0.0.1');
  return { url: new URL(`http://127.0.0.1:${port}`), requests: () => requests, connections: () => sockets.size, server };
}

test('with several relay instances, new connections go to each in turn and requests reuse them', async () => {
  const a = await countingServer();
  const b = await countingServer();
  const target = { origin: a.url, instances: [a.url, b.url], hostOf: () => 'echo.test' };
  const client = new LoadClient(target, 8);
  const send = httpSender(GET, target, client);
  try {
    // 40 at once open 8 connections (the cap), 4 per instance; the next 40 reuse them.
    for (let round = 0; round < 2; round++) {
      const outcomes = await Promise.all(Array.from({ length: 40 }, () => send()));
      assert.deepEqual(new Set(outcomes.map((o) => o.status)), new Set([200]));
    }
    assert.equal(a.requests() + b.requests(), 80, 'both servers together saw every request');
    assert.deepEqual([a.connections(), b.connections()], [4, 4], 'connections alternate between the instances');
  } finally {
    await client.destroy();
    a.server.closeAllConnections();
    b.server.closeAllConnections();
    await Promise.all([closeServer(a.server), closeServer(b.server)]);
  }
});

test('transport failures resolve as outcomes with stable codes: refused, and a connection cut mid-answer', async () => {
  const closed = net.createServer();
  const port = await listen(closed, 0, '127.0.0.1');
  await closeServer(closed);
  const refusedTarget = { origin: new URL(`http://127.0.0.1:${port}`), hostOf: () => 'echo.test' };
  const refusedClient = new LoadClient(refusedTarget, 1);
  assert.deepEqual(await httpSender(GET, refusedTarget, refusedClient)(), { status: 0, errorCode: 'ECONNREFUSED' });
  await refusedClient.destroy();

  // Answers a head promising 100 bytes, sends 10 and closes the connection.
  const cutter = net.createServer((socket) => socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789')));
  const cutPort = await listen(cutter, 0, '127.0.0.1');
  const cutTarget = { origin: new URL(`http://127.0.0.1:${cutPort}`), hostOf: () => 'echo.test' };
  const cutClient = new LoadClient(cutTarget, 1);
  try {
    assert.deepEqual(await httpSender(GET, cutTarget, cutClient)(), { status: 0, errorCode: 'ECONNRESET' });
  } finally {
    await cutClient.destroy();
    await closeServer(cutter);
  }
});

test('the warm-up never touches the target: it sees exactly the requests the run sent', async () => {
  const target = await countingServer();
  const rate = WARM_UP_FROM_RATE + 200;
  const client = new LoadClient({ origin: target.url, hostOf: () => 'echo.test' }, 64);
  const send = httpSender(GET, { origin: target.url, hostOf: () => 'echo.test' }, client);
  let warmedUp = false;
  const runner = new OpenModelRunner({
    pattern: { kind: 'constant', rate },
    durationMs: 1000,
    maxInFlight: 1000,
    send,
    warmUp: async () => {
      await warmUpRequestPath(GET, rate);
      warmedUp = true;
    },
  });
  try {
    await runner.prepare();
    assert.ok(warmedUp);
    assert.equal(target.requests(), 0, 'nothing reached the target before the run');
    const report = await runner.run();
    assert.equal(report.ok, report.sent);
    assert.equal(target.requests(), report.sent, 'the target saw the run and nothing else');
  } finally {
    await client.destroy();
    target.server.closeAllConnections();
    await closeServer(target.server);
  }
});

test('below WARM_UP_FROM_RATE the warm-up returns at once', async () => {
  const started = performance.now();
  await warmUpRequestPath(GET, WARM_UP_FROM_RATE - 1);
  assert.ok(performance.now() - started < 50, 'no half-second warm-up for a slow thread');
});
