import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { writeRawResponse } from './error-response.ts';

test('a raw response never lets a header name or value split it', async () => {
  const socket = new PassThrough();
  let written = '';
  socket.on('data', (d: Buffer) => (written += d.toString()));
  writeRawResponse(socket, 403, ['x-ok', 'fine', 'x-evil', 'a\r\nset-cookie: stolen=1', 'bad name', 'v'], 'no');
  await new Promise((r) => socket.once('end', r));
  assert.match(written, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.match(written, /x-ok: fine/);
  assert.doesNotMatch(written, /stolen|bad name/);
});
