import { test } from 'node:test';
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { getLoad } from '../helpers/load.ts';
import { metricSum, scrape } from '../helpers/prom-text.ts';
import { request } from '../helpers/http-client.ts';
import { startSim } from '../helpers/sim.ts';

const sim = await startSim({
  groups: [{ name: 'default', connectors: 2 }],
  apps: [
    { name: 'echo', group: 'default' },
    { name: 'other', group: 'default' },
  ],
  limits: { appRps: 50, tenantRps: 80 },
});

test('below the app limit nothing is throttled', async () => {
  const { runner, agent } = getLoad(sim, 'echo', '/echo', 40, 3000);
  const report = await runner.run();
  agent.destroy();
  assert.equal(report.errors, 0, JSON.stringify(report.byErrorCode));
});

test('above the app limit, 429 throttled appears for exactly the excess', async () => {
  await new Promise((r) => setTimeout(r, 1100)); // let the bucket refill to its one-second burst
  const before = metricSum(await scrape(sim.view.relays[0]!.metricsUrl), 'relay_throttled_total', { app: 'echo' });
  const { runner, agent } = getLoad(sim, 'echo', '/echo', 100, 3000);
  const report = await runner.run();
  agent.destroy();
  const throttled = report.byErrorCode['throttled'] ?? 0;
  assert.equal(report.errors, throttled, 'the only errors are 429 throttled');
  // A full bucket (50) plus 50/s refill over the 3 s run admits about 200 of the 300.
  assert.ok(report.ok >= 190 && report.ok <= 210, `${report.ok} admitted of ${report.sent}`);
  const after = metricSum(await scrape(sim.view.relays[0]!.metricsUrl), 'relay_throttled_total', { app: 'echo' });
  assert.equal(after - before, throttled, 'the relay counted the same 429s');
});

test('a 429 says throttled, in JSON when asked, with a Retry-After', async () => {
  await new Promise((r) => setTimeout(r, 1100));
  const burst = await Promise.all(
    Array.from({ length: 80 }, () => request(sim.publicUrl, hostOf('echo'), { path: '/echo', headers: { accept: 'application/json' } })),
  );
  const refused = burst.filter((r) => r.status === 429);
  assert.ok(refused.length >= 20, `${refused.length} of 80 refused by a 50/s bucket`);
  for (const res of refused) {
    assert.equal(res.headers['x-relay-error'], 'throttled');
    assert.ok(Number(res.headers['retry-after']) >= 1);
    assert.equal(JSON.parse(res.body.toString()).code, 'throttled');
  }
});

test('the tenant limit spans apps', async () => {
  await new Promise((r) => setTimeout(r, 1100));
  const started = performance.now();
  const burst = await Promise.all(Array.from({ length: 120 }, (_, i) => request(sim.publicUrl, hostOf(i % 2 ? 'echo' : 'other'), { path: '/echo' })));
  const elapsedS = (performance.now() - started) / 1000;
  const admitted = burst.filter((r) => r.status === 200).length;
  // A full bucket of 80, plus what refilled at 80/s while the burst was being answered.
  const refilled = Math.ceil(80 * elapsedS);
  assert.ok(admitted >= 80 && admitted <= 80 + refilled, `${admitted} admitted by an 80/s tenant bucket in ${elapsedS.toFixed(3)} s`);
  assert.ok(burst.filter((r) => r.status === 429).every((r) => r.headers['x-relay-error'] === 'throttled'));
});

function hostOf(app: string): string {
  return new URL(sim.view.apps.find((a) => a.name === app)!.externalUrl).host;
}
