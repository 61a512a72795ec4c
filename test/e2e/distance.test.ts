import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { request } from '../helpers/http-client.ts';
import { startSim, type RunningSim } from '../helpers/sim.ts';
import { behindDistance } from '../../sim/faults/distance.ts';
import type { TopologyInput } from '../../sim/cluster/topology.ts';

const RTT_MS = 40;
const base: TopologyInput = { groups: [{ name: 'default', connectors: 1 }], apps: [{ name: 'echo', group: 'default' }] };
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
after(() => agent.destroy());

/** Median latency of `n` sequential requests (after warm-up) on one kept-alive connection. */
async function medianMs(origin: string, sim: RunningSim, kind: 'get' | 'post', n = 15): Promise<number> {
  const host = new URL(sim.view.apps[0]!.externalUrl).host;
  const one = async () => {
    const started = performance.now();
    const res =
      kind === 'get'
        ? await request(origin, host, { path: '/echo', agent })
        : await request(origin, host, { method: 'POST', path: '/upload', body: Buffer.alloc(1024, 1), agent });
    assert.equal(res.status, 200);
    return performance.now() - started;
  };
  for (let i = 0; i < 3; i++) await one();
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await one());
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

const [near, site, backend] = await Promise.all([
  startSim(base),
  startSim({ ...base, network: { sites: { default: { rttMs: RTT_MS } } } }),
  startSim({ ...base, network: { backends: { rttMs: RTT_MS } } }),
]);
const baseline = { get: await medianMs(near.publicUrl, near, 'get'), post: await medianMs(near.publicUrl, near, 'post') };

test(`a ${RTT_MS} ms relay ↔ site RTT adds about one RTT to a GET and two to a POST whose body the connector pulls`, async () => {
  const get = (await medianMs(site.publicUrl, site, 'get')) - baseline.get;
  const post = (await medianMs(site.publicUrl, site, 'post')) - baseline.post;
  console.log(
    `relay ↔ site ${RTT_MS} ms: GET +${get.toFixed(1)} ms, POST (pulled body) +${post.toFixed(1)} ms (baseline GET ${baseline.get.toFixed(1)} ms, POST ${baseline.post.toFixed(1)} ms)`,
  );
  // GET: the dispatch down, the response up. POST: the dispatch down, the pull up, the body down, the response up.
  assert.ok(get > 0.75 * RTT_MS && get < 1.5 * RTT_MS, `GET +${get.toFixed(1)} ms`);
  assert.ok(post > 1.6 * RTT_MS && post < 2.6 * RTT_MS, `POST +${post.toFixed(1)} ms`);
});

test(`a ${RTT_MS} ms connector ↔ backend RTT adds about one RTT to a GET`, async () => {
  const get = (await medianMs(backend.publicUrl, backend, 'get')) - baseline.get;
  console.log(`connector ↔ backend ${RTT_MS} ms: GET +${get.toFixed(1)} ms`);
  assert.ok(get > 0.75 * RTT_MS && get < 1.5 * RTT_MS, `GET +${get.toFixed(1)} ms`);
});

test(`a ${RTT_MS} ms user ↔ relay RTT (the load rig's client-side hop) adds about one RTT to a GET`, async () => {
  const front = await behindDistance(near.publicUrl, { rttMs: RTT_MS, jitterMs: 0 });
  after(() => front.close());
  const get = (await medianMs(front.url.origin, near, 'get')) - baseline.get;
  console.log(`user ↔ relay ${RTT_MS} ms: GET +${get.toFixed(1)} ms`);
  assert.ok(get > 0.75 * RTT_MS && get < 1.5 * RTT_MS, `GET +${get.toFixed(1)} ms`);
});
