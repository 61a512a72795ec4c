import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { unusedPort } from '../../test/helpers/ports.ts';
import { ControlClient, ControlClientError } from './control-client.ts';

test('a fault sends only action, target and params, and a refusal is an answer with its status', async () => {
  const bodies: unknown[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(raw));
      res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'cannot pause a dead connector' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => server.close());
  const client = new ControlClient(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  const answer = await client.fault({ action: 'pause', target: 'connector:a-1', at: 20_000 } as never);
  assert.deepEqual(bodies, [{ action: 'pause', target: 'connector:a-1' }]);
  assert.deepEqual({ status: answer.status, ok: answer.ok, error: answer.error }, { status: 409, ok: false, error: 'cannot pause a dead connector' });
});

test('an unreachable control API is a typed, retryable error that says what to do', async () => {
  const client = new ControlClient(`http://127.0.0.1:${await unusedPort()}`, { timeoutMs: 1000 });
  await assert.rejects(client.topology(), (err: ControlClientError) => err.code === 'control_unreachable' && err.retryable && /npm run sim/.test(err.message));
});
