import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { DnsCache } from './dns-cache.ts';

/** A resolver that counts its calls and answers from `answers` (an Error rejects). */
function resolver(answers: (LookupAddress[] | Error)[]) {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const next = answers.shift() ?? new Error('no more answers');
    if (next instanceof Error) throw next;
    return next;
  };
  return { calls, resolve };
}

function lookup(cache: DnsCache, hostname: string, options: LookupOptions = {}): Promise<{ address: string | LookupAddress[]; family?: number }> {
  return new Promise((resolve, reject) => cache.lookup(hostname, options, (err, address, family) => (err ? reject(err) : resolve({ address, family }))));
}

const V4 = { address: '10.0.0.7', family: 4 };
const V6 = { address: 'fd00::7', family: 6 };
const settle = () => new Promise((r) => setImmediate(r));

test('a warmed name is answered without another resolution, in the form asked for', async () => {
  const { calls, resolve } = resolver([[V4, V6]]);
  const cache = new DnsCache({ resolve });
  cache.warm('backend');
  await settle();
  assert.deepEqual(await lookup(cache, 'backend'), { address: '10.0.0.7', family: 4 });
  assert.deepEqual(await lookup(cache, 'backend', { all: true }), { address: [V4, V6], family: undefined });
  assert.deepEqual(await lookup(cache, 'backend', { family: 6 }), { address: 'fd00::7', family: 6 });
  assert.deepEqual(calls, ['backend'], 'resolved once');
});

test('a miss resolves; a failed resolution reaches the connection as its error', async () => {
  const { calls, resolve } = resolver([Object.assign(new Error('getaddrinfo ENOTFOUND nope'), { code: 'ENOTFOUND' }), [V4]]);
  const cache = new DnsCache({ resolve });
  await assert.rejects(lookup(cache, 'nope'), { code: 'ENOTFOUND' });
  assert.deepEqual(await lookup(cache, 'nope'), { address: '10.0.0.7', family: 4 }, 'a failure is not cached');
  assert.equal(calls.length, 2);
});

test('an answer older than the TTL is served while a refresh runs; a failed refresh keeps the last answer', async () => {
  let now = 0;
  const moved = { address: '10.0.0.8', family: 4 };
  const { calls, resolve } = resolver([[V4], new Error('server gone quiet'), [moved]]);
  const cache = new DnsCache({ ttlMs: 1000, now: () => now, resolve });
  await lookup(cache, 'backend');
  now = 1500;
  assert.equal((await lookup(cache, 'backend')).address, '10.0.0.7', 'stale, served at once');
  await settle();
  assert.equal((await lookup(cache, 'backend')).address, '10.0.0.7', 'the failed refresh kept it');
  now = 3000;
  await lookup(cache, 'backend');
  await settle();
  assert.equal((await lookup(cache, 'backend')).address, '10.0.0.8', 'a later refresh replaced it');
  assert.equal(calls.length, 3);
});

test('lookups that miss while a resolution is under way share it; a failure reaches each of them once', async () => {
  const { calls, resolve } = resolver([[V4], Object.assign(new Error('getaddrinfo EAI_AGAIN other'), { code: 'EAI_AGAIN' })]);
  const cache = new DnsCache({ resolve });
  cache.warm('backend');
  const answers = await Promise.all([lookup(cache, 'backend'), lookup(cache, 'backend'), lookup(cache, 'backend')]);
  assert.deepEqual(
    answers.map((a) => a.address),
    ['10.0.0.7', '10.0.0.7', '10.0.0.7'],
  );
  const failures = await Promise.allSettled([lookup(cache, 'other'), lookup(cache, 'other')]);
  assert.deepEqual(
    failures.map((f) => f.status),
    ['rejected', 'rejected'],
  );
  assert.deepEqual(calls, ['backend', 'other'], 'one resolution per name, not one per lookup');
});

test('addresses are never resolved; a family the answer lacks is ENOTFOUND', async () => {
  const { calls, resolve } = resolver([[V4]]);
  const cache = new DnsCache({ resolve });
  cache.warm('127.0.0.1');
  cache.warm('[::1]');
  assert.deepEqual(calls, []);
  await assert.rejects(lookup(cache, 'backend', { family: 6 }), { code: 'ENOTFOUND' });
});
