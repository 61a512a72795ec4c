import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { pino } from 'pino';
import { guardRequests, parseRequestTarget } from './request-guard.ts';
import { rawExchange, rawGet } from '../../test/helpers/raw-http.ts';

const log = pino({ level: 'silent' });

test('parseRequestTarget never throws: //, ///, //@ and non-origin forms are refused, paths kept exactly', () => {
  for (const bad of ['//', '///', '//@', '//evil.example/x', '*', 'http://a/b', '', 'echo']) {
    assert.equal(parseRequestTarget(bad), undefined, JSON.stringify(bad));
  }
  assert.equal(parseRequestTarget('/a//b?x=1')?.pathname, '/a//b');
  assert.equal(parseRequestTarget('/a//b?x=1')?.searchParams.get('x'), '1');
  assert.equal(parseRequestTarget(undefined)?.pathname, '/');
});

test('a handler that throws or rejects is answered 500 and the server keeps serving', async () => {
  const server = http.createServer(
    guardRequests(log, (req, res) => {
      if (req.url === '/throw') throw new Error('boom');
      if (req.url === '/reject') return Promise.reject(new Error('late boom'));
      if (req.url === '/mid') {
        res.writeHead(200, { 'content-length': 10 }).write('12345');
        throw new Error('mid-response');
      }
      res.end('fine');
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => server.close());
  const port = (server.address() as { port: number }).port;
  assert.equal((await rawExchange(port, rawGet('/throw', 'x'))).status, 500);
  assert.equal((await rawExchange(port, rawGet('/reject', 'x'))).status, 500);
  const mid = await rawExchange(port, rawGet('/mid', 'x'));
  assert.notEqual(mid.status, 500, 'no second head after the first');
  assert.ok(mid.closed && !mid.text.includes('1234567890'), 'a response that had started is cut, not completed');
  const ok = await rawExchange(port, rawGet('/', 'x'));
  assert.equal(ok.status, 200);
  assert.match(ok.text, /fine$/);
});
