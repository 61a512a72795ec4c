import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Pool } from 'undici';
import { closeServer, listen } from '../../sim/common/listen.ts';
import { getSender } from './get-exchange.ts';

test('a GET outcome: 2xx with its body bytes, else the relay error code or http_<status>; the headers reach the server', async () => {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    if (req.url === '/ok') return res.end('x'.repeat(70_000)); // several chunks
    if (req.url === '/lost') return res.writeHead(502, { 'x-relay-error': 'connector_lost' }).end('{}');
    if (req.url === '/empty') return res.writeHead(204).end();
    res.writeHead(404).end('no');
  });
  const port = await listen(server, 0, '127.0.0.1');
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 2 });
  const headers = { host: 'echo.test', 'x-extra': 'yes' };
  try {
    assert.deepEqual(await getSender(pool, '/ok', headers)(), { status: 200, bytes: 70_000 });
    assert.deepEqual(await getSender(pool, '/lost', headers)(), { status: 502, errorCode: 'connector_lost' });
    assert.deepEqual(await getSender(pool, '/missing', headers)(), { status: 404, errorCode: 'http_404' });
    assert.deepEqual(await getSender(pool, '/empty', headers)(), { status: 204, bytes: 0 });
    assert.equal(seen.length, 4);
    for (const h of seen) assert.deepEqual([h.host, h['x-extra']], ['echo.test', 'yes']);
  } finally {
    await pool.destroy();
    await closeServer(server);
  }
});
