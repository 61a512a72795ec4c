import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createProcessLogger } from '../common/logger.ts';
import { BackendServer } from './backend-server.ts';

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

async function counted(server: BackendServer, route: string, code: string): Promise<number> {
  const metric = (await server.metrics.requests.get()).values.find((v) => v.labels.route === route && v.labels.code === code);
  return metric?.value ?? 0;
}

test('each answered request is counted by route and code; a client that leaves aborts its route’s work', async () => {
  const server = new BackendServer({ id: 'b1', host: '127.0.0.1', port: 0 }, createProcessLogger('backend-test', 'silent'));
  const port = await server.start();
  try {
    // node:http without keep-alive (agent: false) throughout: no client timers outlive a request to blur the count below.
    const echo = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${port}/echo?x=1`, { agent: false }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });
    assert.equal(echo.status, 200);
    assert.deepEqual((JSON.parse(echo.body) as { query: unknown }).query, { x: '1' });
    // Counted when the response closes, just after the client has it all.
    for (let i = 0; i < 50 && (await counted(server, '/echo', '200')) === 0; i++) await sleep(10);
    assert.equal(await counted(server, '/echo', '200'), 1);

    // /delay waits on its signal: the client leaving must end the wait, not leave a 60 s timer behind.
    const before = timers();
    const req = http.get(`http://127.0.0.1:${port}/delay/60000`, { agent: false });
    req.on('error', () => undefined);
    for (let i = 0; i < 50 && timers() === before; i++) await sleep(10);
    assert.equal(timers(), before + 1, 'the delay is waiting');
    req.destroy();
    for (let i = 0; i < 50 && timers() > before; i++) await sleep(10);
    assert.equal(timers(), before, 'the delay stopped when its client left');
    assert.equal(await counted(server, '/delay/:ms', '200'), 1, 'the abandoned request is counted once, with the status it had');
  } finally {
    server.destroy();
  }
});
