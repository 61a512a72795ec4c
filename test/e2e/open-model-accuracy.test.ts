import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { OpenModelRunner } from '../../loadtests/drivers/open-model.ts';
import { httpSender, LoadClient } from '../../loadtests/run/http-scenarios.ts';
import { fault } from '../helpers/load.ts';
import { startSim } from '../helpers/sim.ts';

const sim = await startSim({ groups: [{ name: 'default', connectors: 2 }], apps: [{ name: 'echo', group: 'default' }] });
const host = new URL(sim.view.apps[0]!.externalUrl).host;
const target = { origin: new URL(sim.publicUrl), hostOf: () => host };
const backend = `backend:${sim.view.backends[0]!.id}`;

/**
 * Freezes the backend (SIGSTOP) for `ms`, starting `afterMs` from now. The window it resolves with
 * is certain: from the pause being in effect (the fault API answered) to the resume being sent.
 */
async function stallBackend(afterMs: number, ms: number): Promise<{ from: number; to: number }> {
  await new Promise((r) => setTimeout(r, afterMs));
  await fault(sim.view.controlUrl, { action: 'pause', target: backend });
  const from = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const to = performance.now();
  await fault(sim.view.controlUrl, { action: 'resume', target: backend });
  return { from, to };
}

test('coordinated omission: the open model charges a 1 s stall to every request planned during it; a closed loop hides it', async () => {
  const client = new LoadClient(target, 256);
  const send = httpSender({ name: 'get', kind: 'get', app: 'echo', path: '/echo', share: 1, arrival: { kind: 'constant' } }, target, client);
  const records: { intendedAt: number; latencyMs: number }[] = [];
  const runner = new OpenModelRunner({
    pattern: { kind: 'constant', rate: 100 },
    durationMs: 4000,
    maxInFlight: 1000,
    send: async (intendedAt) => {
      const outcome = await send();
      records.push({ intendedAt, latencyMs: performance.now() - intendedAt });
      return outcome;
    },
  });
  const [open, stall] = await Promise.all([runner.run(), stallBackend(1500, 1000)]);
  await client.destroy();
  assert.equal(open.errors, 0);
  const during = records.filter((r) => r.intendedAt > stall.from + 20 && r.intendedAt < stall.to - 20);
  assert.ok(during.length >= 80, `${during.length} requests were planned during the stall`);
  for (const r of during) {
    const owed = stall.to - r.intendedAt;
    assert.ok(r.latencyMs >= owed, `planned ${(r.intendedAt - stall.from).toFixed(0)} ms into the stall, measured ${r.latencyMs.toFixed(0)} ms`);
  }
  assert.ok(open.latencyMs.p99 >= 900, `open-model p99 ${open.latencyMs.p99} ms reflects the stall`);

  const closedRun = autocannon({ url: `${sim.publicUrl}/echo`, connections: 10, duration: 4, headers: { host } });
  const [closed] = await Promise.all([closedRun, stallBackend(1500, 1000)]);
  assert.ok(closed.latency.p99 < open.latencyMs.p99 / 3, `closed-loop p99 ${closed.latency.p99} ms hides the stall (open model: ${open.latencyMs.p99} ms)`);
  console.log(`1 s stall: open-model p99 ${open.latencyMs.p99} ms vs closed-loop p99 ${closed.latency.p99} ms`);
});

test('rate accuracy: the achieved rate is within 5% of the requested rate below saturation', async () => {
  const client = new LoadClient(target, 256);
  const send = httpSender({ name: 'get', kind: 'get', app: 'echo', path: '/echo', share: 1, arrival: { kind: 'constant' } }, target, client);
  for (const rate of [50, 400]) {
    const runner = new OpenModelRunner({ pattern: { kind: 'constant', rate }, durationMs: 4000, maxInFlight: 2000, send: () => send() });
    const started = performance.now();
    const report = await runner.run();
    const planWindowS = 4;
    const achieved = report.sent / planWindowS;
    assert.equal(report.errors, 0);
    assert.equal(report.dropped, 0);
    assert.ok(Math.abs(achieved - rate) / rate <= 0.05, `requested ${rate}/s, achieved ${achieved}/s`);
    assert.ok(performance.now() - started < 6000, 'the run ended on its own');
  }
  await client.destroy();
});
