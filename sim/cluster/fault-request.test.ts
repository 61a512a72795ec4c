import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaultRequestError, parseFaultRequest } from './fault-request.ts';

test('valid faults parse with defaults filled in', () => {
  assert.deepEqual(parseFaultRequest({ action: 'kill', target: 'connector:default-2' }), {
    action: 'kill',
    target: { kind: 'connector', name: 'default-2' },
    params: {},
  });
  const latency = parseFaultRequest({ action: 'latency', target: 'group:default', params: { latencyMs: 200 } });
  assert.deepEqual(latency.params, { latencyMs: 200, jitterMs: 0, direction: 'both', toxicity: 1 });
});

test('each bad part is named', () => {
  const cases: [unknown, RegExp][] = [
    [{ action: 'explode', target: 'connector:a' }, /action "explode" is not one of/],
    [{ action: 'kill', target: 'toaster:1' }, /target "toaster:1" is not one of/],
    [{ action: 'kill' }, /target undefined/],
    [{ action: 'latency', target: 'connector:a', params: {} }, /params\.latencyMs/],
    [{ action: 'latency', target: 'connector:a', params: { latencyMs: 5, colour: 1 } }, /colour/],
    [{ action: 'kill', target: 'connector:a', when: 'now' }, /unknown field\(s\) when/],
    [{ action: 'partition', target: 'backend:backend-1' }, /link fault/],
    ['kill', /must be a JSON object/],
  ];
  for (const [body, message] of cases) {
    assert.throws(
      () => parseFaultRequest(body),
      (err: unknown) => err instanceof FaultRequestError && message.test(err.message),
      JSON.stringify(body),
    );
  }
});
