import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { json, request } from '../helpers/http-client.ts';
import { fault } from '../helpers/load.ts';
import { metricSum, scrape } from '../helpers/prom-text.ts';
import { startSim } from '../helpers/sim.ts';
import { openWs } from '../helpers/ws-client.ts';
import { ControlClient } from '../../sim/cluster/control-client.ts';

const SESSIONS = 30;
const UPLOADS = 5;
const sim = await startSim({ groups: [{ name: 'default', connectors: 2 }], apps: [{ name: 'echo', group: 'default' }] });
const host = new URL(sim.view.apps[0]!.externalUrl).host;
const relay = sim.view.relays[0]!;

/** 16 chunks of 4 KiB, one every 400 ms: an upload that is mid-body for the whole freeze. */
function slowBody(seed: number): { body: Readable; sha256: string; bytes: number } {
  const chunks = Array.from({ length: 16 }, (_, i) => Buffer.alloc(4096, (seed * 16 + i) % 251));
  const sha256 = createHash('sha256').update(Buffer.concat(chunks)).digest('hex');
  async function* paced() {
    for (const chunk of chunks) {
      yield chunk;
      await sleep(400);
    }
  }
  return { body: Readable.from(paced()), sha256, bytes: 16 * 4096 };
}

test('a 3.5 s relay freeze closes no WebSocket session, fails no upload, and declares no connector dead', { timeout: 60_000 }, async () => {
  const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => openWs(sim.publicUrl, host, '/ws/echo')));
  const closes: number[] = [];
  for (const { ws } of sessions) ws.once('close', (code) => closes.push(code));
  const uploads = Array.from({ length: UPLOADS }, (_, i) => {
    const { body, sha256, bytes } = slowBody(i);
    return request(sim.publicUrl, host, { method: 'POST', path: '/upload', body, headers: { 'content-type': 'application/octet-stream' } }).then((res) => ({
      res,
      sha256,
      bytes,
    }));
  });
  await sleep(1500); // every upload is pulled and streaming

  assert.equal((await fault(sim.view.controlUrl, { action: 'pause', target: 'relay:relay-1' })).status, 200);
  await sleep(3500);
  assert.equal((await fault(sim.view.controlUrl, { action: 'resume', target: 'relay:relay-1' })).status, 200);

  for (const { res, sha256, bytes } of await Promise.all(uploads)) {
    assert.equal(res.status, 200, `upload answered ${res.status} ${res.headers['x-relay-error'] ?? ''}`);
    assert.deepEqual(json(res), { bytes, sha256 });
  }
  // Every session still carries messages both ways.
  await Promise.all(
    sessions.map(async ({ ws }, i) => {
      ws.send(`after-freeze-${i}`);
      const [data] = (await once(ws, 'message')) as [Buffer];
      assert.equal(data.toString(), `after-freeze-${i}`);
    }),
  );
  assert.deepEqual(closes, [], 'no session closed');

  const samples = await scrape(relay.metricsUrl);
  assert.ok(metricSum(samples, 'relay_stalls_total') >= 1, 'the relay counted its own stall');
  assert.equal(metricSum(samples, 'relay_failovers_total'), 0, 'no connector was declared dead');
  assert.equal(metricSum(samples, 'relay_connectors', { state: 'active' }), 2);
  const events = await new ControlClient(sim.view.controlUrl).events();
  assert.equal(events.filter((e) => e.action === 'connector-dead').length, 0, 'the timeline shows no false death');
  assert.ok(
    events.some((e) => e.action === 'relay-stalled' && e.target === 'relay:relay-1'),
    'the timeline shows the stall',
  );
  for (const { ws } of sessions) ws.close();
});
