import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { deterministicChunks, deterministicSha256 } from '../../sim/backend/deterministic-bytes.ts';
import { json, request } from '../helpers/http-client.ts';
import { RssSampler } from '../helpers/process-memory.ts';
import { startSim } from '../helpers/sim.ts';

const MiB = 1 << 20;
const BIG = 256 * MiB;
const RSS_BUDGET = 64 * MiB;

const sim = await startSim({
  groups: [{ name: 'default', connectors: 1 }],
  apps: [{ name: 'echo', group: 'default' }],
});
const { publicUrl } = sim;
const echoHost = new URL(sim.view.apps[0]!.externalUrl).host;
const relayPid = sim.view.relays[0]!.pid!;
const connectorPid = sim.view.connectors[0]!.pid!;
const expectedBigSha = deterministicSha256(BIG);

function assertWithinBudget(growth: Map<number, number>, what: string): void {
  for (const [pid, bytes] of growth) {
    const who = pid === relayPid ? 'relay' : 'connector';
    assert.ok(bytes < RSS_BUDGET, `${who} RSS grew ${(bytes / MiB).toFixed(1)} MiB during ${what}; budget 64 MiB`);
  }
}

test('a 256 MiB streamed upload reaches the backend with the exact byte count and sha256; relay and connector RSS stay flat', async () => {
  const sampler = await RssSampler.start([relayPid, connectorPid]);
  const res = await request(publicUrl, echoHost, {
    method: 'POST',
    path: '/upload',
    headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
    body: Readable.from(deterministicChunks(BIG, 256 * 1024)),
    timeoutMs: 120_000,
  });
  const growth = await sampler.stop();
  assert.equal(res.status, 200);
  assert.deepEqual(json(res), { bytes: BIG, sha256: expectedBigSha });
  assertWithinBudget(growth, 'the upload');
  console.log(`upload RSS growth MiB: relay ${(growth.get(relayPid)! / MiB).toFixed(1)}, connector ${(growth.get(connectorPid)! / MiB).toFixed(1)}`);
});

test('a 256 MiB download arrives with a matching client-side sha256; relay and connector RSS stay flat', async () => {
  const sampler = await RssSampler.start([relayPid, connectorPid]);
  const url = new URL(publicUrl);
  const { status, bytes, sha256 } = await new Promise<{ status: number; bytes: number; sha256: string }>((resolve, reject) => {
    const req = http.get({ hostname: url.hostname, port: url.port, path: `/bytes/${BIG}`, headers: { host: echoHost } }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, sha256: hash.digest('hex') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  const growth = await sampler.stop();
  assert.equal(status, 200);
  assert.equal(bytes, BIG);
  assert.equal(sha256, expectedBigSha);
  assertWithinBudget(growth, 'the download');
  console.log(`download RSS growth MiB: relay ${(growth.get(relayPid)! / MiB).toFixed(1)}, connector ${(growth.get(connectorPid)! / MiB).toFixed(1)}`);
});

test('a backend that reads slowly slows the client writes down, and relay memory stays bounded', async () => {
  const rate = 8 * MiB; // the backend consumes 8 MiB/s
  const offered = 64 * MiB;
  const url = new URL(publicUrl);
  const sampler = await RssSampler.start([relayPid, connectorPid]);
  let written = 0;
  const source = Readable.from(
    (function* () {
      for (const chunk of deterministicChunks(offered, 64 * 1024)) {
        written += chunk.length;
        yield chunk;
      }
    })(),
  );
  const req = http.request({
    hostname: url.hostname,
    port: url.port,
    method: 'POST',
    path: `/upload?rate=${rate}`,
    headers: { host: echoHost, 'transfer-encoding': 'chunked' },
  });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  source.pipe(req);
  const startedAt = Date.now();
  await new Promise((r) => setTimeout(r, 2000));
  const elapsed = (Date.now() - startedAt) / 1000;
  const writtenAfter2s = written;
  const growth = await sampler.stop();
  // Unthrottled, the client would push all 64 MiB in well under a second. With backpressure it can
  // be ahead of the backend only by what the socket, HTTP/2 and stream buffers on the path hold.
  const consumed = rate * elapsed;
  const slack = 32 * MiB;
  assert.ok(
    writtenAfter2s < consumed + slack,
    `client wrote ${(writtenAfter2s / MiB).toFixed(1)} MiB in ${elapsed.toFixed(1)} s while the backend read ${(consumed / MiB).toFixed(1)} MiB`,
  );
  assert.ok(writtenAfter2s < offered, 'the client was held back');
  assertWithinBudget(growth, 'the slow upload');
  console.log(`backpressure: client wrote ${(writtenAfter2s / MiB).toFixed(1)} MiB in ${elapsed.toFixed(1)} s (backend reads ${rate / MiB} MiB/s)`);
  req.destroy();
  source.destroy();
  await response.catch(() => undefined);
});
