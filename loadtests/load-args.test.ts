import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadgenPortFor } from './load-args.ts';

test("the runner's metrics port follows the target sim's base port (its public port + 1520), inside that sim's port span", () => {
  assert.equal(loadgenPortFor(undefined), 9600);
  assert.equal(loadgenPortFor('http://127.0.0.1:8080'), 9600);
  assert.equal(loadgenPortFor('http://127.0.0.1:18080'), 19600);
  assert.equal(loadgenPortFor('https://relay.example'), 443 + 1520);
  assert.equal(loadgenPortFor('http://127.0.0.1:65000'), 0, 'a free port when the offset would pass 65535');
});
