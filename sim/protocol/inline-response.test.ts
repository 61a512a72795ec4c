import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from './errors.ts';
import { decodeInlineResponse, encodeInlineResponse, INLINE_BODY_LIMIT } from './inline-response.ts';

test('an inline response round-trips head and body bytes', () => {
  const head = { type: 'response' as const, id: 'abc', status: 201, headers: ['content-type', 'text/plain', 'x-a', 'é'] };
  const body = [Buffer.from('hello '), Buffer.from([0, 255, 10])];
  const decoded = decodeInlineResponse(Buffer.concat(encodeInlineResponse(head, body)));
  assert.deepEqual(decoded.head, head);
  assert.deepEqual(decoded.body, Buffer.concat(body));
});

test('malformed inline frames are protocol errors, never crashes', () => {
  const bad = [
    Buffer.from([0, 0]),
    Buffer.from([0, 0, 0, 99, 1, 2]),
    Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{x}')]),
    Buffer.concat(encodeInlineResponse({ type: 'response', id: 'a', status: 99, headers: [] }, [])),
    Buffer.concat(encodeInlineResponse({ type: 'response', id: 'a', status: 200, headers: [] }, [Buffer.alloc(INLINE_BODY_LIMIT + 1)])),
  ];
  for (const frame of bad) {
    assert.throws(
      () => decodeInlineResponse(frame),
      (err: unknown) => err instanceof ProtocolError && err.code === 'malformed_frame',
    );
  }
});
