import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backendUrl } from './backend-call.ts';

const app = (internalUrl: string) => ({ name: 'a', internalUrl, backendTimeoutMs: 1000 });

test('a dispatched path lands on the backend, under the app base path', () => {
  assert.equal(backendUrl(app('http://127.0.0.1:9200'), '/echo?x=1').href, 'http://127.0.0.1:9200/echo?x=1');
  assert.equal(backendUrl(app('http://10.0.0.5:80/app/'), '/echo').href, 'http://10.0.0.5/app/echo');
});

test('a protocol-relative path cannot redirect the connector to another host', () => {
  const url = backendUrl(app('http://127.0.0.1:9200'), '//evil.example/x');
  assert.equal(url.host, '127.0.0.1:9200');
  assert.equal(url.pathname, '//evil.example/x');
});
