import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fault, getLoad } from '../helpers/load.ts';
import { metricSum, scrape, waitFor } from '../helpers/prom-text.ts';
import { startSim } from '../helpers/sim.ts';
import { ControlClient } from '../../sim/cluster/control-client.ts';

/** The number in a relay event's "…; N lost in flight, …" detail. */
const lostIn = (detail: string | undefined) => Number(/(\d+) lost in flight/.exec(detail ?? '')?.[1] ?? NaN);

for (const mode of ['appproxy', 'resilient'] as const) {
  const outcome = mode === 'appproxy' ? 'each step loses exactly the requests in flight on that connector' : 'each connector drains first: nothing fails';
  test(`update (${mode}): a 3-connector group under load restarts one connector at a time, the next only once the previous is registered again; ${outcome}`, async () => {
    const sim = await startSim({
      groups: [{ name: 'default', connectors: 3 }],
      apps: [{ name: 'echo', group: 'default' }],
      dispatch: { policy: 'random', queueLimit: 5000, queueTimeoutMs: 10_000 },
      failover: { mode },
    });
    const control = new ControlClient(sim.view.controlUrl);
    const { runner, agent } = getLoad(sim, 'echo', '/delay/50', 300, 12_000);
    const run = runner.run();
    await new Promise((r) => setTimeout(r, 2000));
    const answer = await fault(sim.view.controlUrl, { action: 'update', target: 'group:default' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const events = await waitFor(
      () => control.events(),
      (list) => list.some((e) => e.action === 'update-done' || e.action === 'update-failed'),
      40_000,
      'the update to finish',
    );
    const report = await run;
    agent.destroy();

    assert.ok(!events.some((e) => e.action === 'update-failed'), JSON.stringify(events.filter((e) => e.action.startsWith('update'))));
    const steps = events.filter((e) => e.action === 'update-step' || e.action === 'update-back');
    const ids = sim.view.connectors.map((c) => `connector:${c.id}`);
    assert.deepEqual(
      steps.map((e) => `${e.action} ${e.target}`),
      ids.flatMap((id) => [`update-step ${id}`, `update-back ${id}`]),
      'strictly one at a time: each goes down only after the previous is back',
    );
    const ends = events.filter((e) => (e.action === 'connector-dead' || e.action === 'connector-left') && ids.includes(e.target));
    assert.equal(ends.length, 3, 'the relay saw each connector go once');
    const perStep = ends.map((e) => lostIn(e.detail));
    const relayLost = metricSum(await scrape(sim.view.relays[0]!.metricsUrl), 'relay_requests_lost_total');
    assert.equal(
      perStep.reduce((a, b) => a + b, 0),
      relayLost,
      'the steps add up to the relay counter',
    );
    if (mode === 'appproxy') {
      assert.ok(relayLost > 0, 'requests were in flight when connectors were stopped (about 5 each at 100 req/s x 50 ms)');
      assert.equal(report.errors, relayLost, `client failures ${JSON.stringify(report.byErrorCode)}; relay lost ${relayLost}`);
      assert.deepEqual(Object.keys(report.byErrorCode), ['connector_lost']);
      assert.ok(ends.every((e) => e.action === 'connector-dead'));
    } else {
      assert.equal(report.errors, 0, `client failures ${JSON.stringify(report.byErrorCode)}`);
      assert.ok(
        ends.every((e) => e.action === 'connector-left'),
        'each drained and left',
      );
    }
    const active = metricSum(await scrape(sim.view.relays[0]!.metricsUrl), 'relay_connectors', { group: 'default', state: 'active' });
    assert.equal(active, 3);
    console.log(`update (${mode}): ${report.sent} sent, ${report.errors} failed; lost per step ${JSON.stringify(perStep)}; p99 ${report.latencyMs.p99} ms`);
  });
}

test('update answers 400 unless it targets a group', async () => {
  const sim = await startSim({ groups: [{ name: 'default', connectors: 1 }], apps: [{ name: 'echo', group: 'default' }] });
  const answer = await fault(sim.view.controlUrl, { action: 'update', target: 'connector:default-1' });
  assert.equal(answer.status, 400);
  assert.match(String(answer.body['error']), /target group:<name>/);
});
