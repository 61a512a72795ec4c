import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { LatencyHistogram, type IntervalLatency } from '../../loadtests/drivers/latency-histogram.ts';
import { fault, getLoad } from '../helpers/load.ts';
import { metricSum, scrape, waitFor, type Sample } from '../helpers/prom-text.ts';
import { startSim, type RunningSim } from '../helpers/sim.ts';

const HEARTBEAT = { intervalMs: 1000, missed: 3 };
const threeConnectors = (mode: 'appproxy' | 'resilient' = 'appproxy') =>
  startSim({
    groups: [{ name: 'default', connectors: 3 }],
    apps: [{ name: 'echo', group: 'default' }],
    heartbeat: HEARTBEAT,
    dispatch: { policy: 'random', queueLimit: 5000, queueTimeoutMs: 10_000 },
    failover: { mode },
  });

const relaySamples = (sim: RunningSim) => scrape(sim.view.relays[0]!.metricsUrl);

/** p99 of the requests planned within [fromS, toS) seconds of the run. */
function p99Between(intervals: { second: number; latency: IntervalLatency }[], fromS: number, toS: number): number {
  const merged = new LatencyHistogram();
  for (const i of intervals) if (i.second >= fromS && i.second < toS) merged.add(i.latency);
  return merged.summary().p99;
}

function failoverFigures(samples: Sample[]) {
  return {
    failovers: metricSum(samples, 'relay_failovers_total', { group: 'default' }),
    detectionSum: metricSum(samples, 'relay_failover_detection_seconds_sum', { group: 'default' }),
    detectionCount: metricSum(samples, 'relay_failover_detection_seconds_count', { group: 'default' }),
    retries: metricSum(samples, 'relay_retries_total', { group: 'default' }),
    lost: metricSum(samples, 'relay_requests_lost_total', { group: 'default' }),
  };
}

/** Every client failure is one the relay counted as lost in flight: the same number, all connector_lost. */
function assertFailuresAreLosses(report: { errors: number; byErrorCode: Record<string, number> }, lost: number): void {
  assert.equal(report.errors, lost, `client failures ${report.errors} (${JSON.stringify(report.byErrorCode)}); relay counted ${lost} lost in flight`);
  assert.deepEqual(
    Object.keys(report.byErrorCode).filter((code) => code !== 'connector_lost'),
    [],
    'no failure other than connector_lost',
  );
}

for (const mode of ['appproxy', 'resilient'] as const) {
  const expectation =
    mode === 'appproxy' ? 'the client fails exactly the requests the relay counted lost in flight' : 'no request fails: accepted GETs are replayed';
  test(`kill (${mode}): a connector SIGKILLed under a steady 300 req/s; ${expectation}; detection is under 1 s`, async () => {
    const sim = await threeConnectors(mode);
    // 150 ms of service: about 15 requests in flight on each connector when it dies, so "none were"
    // (which a 50 ms service made a rare but real outcome) is not left to chance.
    const { runner, agent } = getLoad(sim, 'echo', '/delay/150', 300, 6000);
    const started = performance.now();
    const run = runner.run();
    await new Promise((r) => setTimeout(r, 2000));
    const killed = await fault(sim.view.controlUrl, { action: 'kill', target: 'group:default' });
    assert.equal(killed.status, 200);
    const report = await run;
    const runMs = performance.now() - started;
    agent.destroy();
    const figures = failoverFigures(await relaySamples(sim));
    assert.equal(report.dropped, 0);
    assert.ok(runMs < 6000 + 2000, `nothing hung: the run took ${runMs.toFixed(0)} ms for 6000 ms of arrivals`);
    assert.equal(figures.failovers, 1);
    assert.equal(figures.detectionCount, 1);
    assert.ok(figures.detectionSum < 1, `detected after ${figures.detectionSum.toFixed(3)} s`);
    if (mode === 'appproxy') {
      assert.ok(figures.lost > 0, 'requests were in flight on the killed connector (about 15 at 100 req/s x 150 ms)');
      assertFailuresAreLosses(report, figures.lost);
      assert.equal(figures.retries, 0, 'App Proxy does not replay');
    } else {
      assert.equal(report.errors, 0, `client errors: ${JSON.stringify(report.byErrorCode)}`);
      assert.equal(figures.lost, 0);
      assert.ok(figures.retries > 0, 'requests in flight on the dead connector were retried');
    }
    console.log(
      `kill (${mode}): ${report.sent} sent, ${report.errors} failed, ${figures.lost} lost in flight (relay), ${figures.retries} retried, detection ${(figures.detectionSum * 1000).toFixed(0)} ms, p99 ${report.latencyMs.p99} ms (killed ${killed.body['target']})`,
    );
  });
}

for (const kind of ['pause', 'partition'] as const) {
  test(`${kind}: a silent failure is detected within interval x (missed + 1); the only failures are the relay's losses in flight; p99 stays under detection + 1 s; the connector comes back`, async () => {
    const sim = await threeConnectors();
    const { runner, agent } = getLoad(sim, 'echo', '/delay/20', 300, 12_000);
    const run = runner.run();
    await new Promise((r) => setTimeout(r, 2000));
    const victim = sim.view.connectors[0]!.id;
    const faultAt = performance.now();
    assert.equal((await fault(sim.view.controlUrl, { action: kind, target: `connector:${victim}` })).status, 200);
    await waitFor(
      async () => failoverFigures(await relaySamples(sim)).failovers,
      (n) => n === 1,
      10_000,
      'the relay to declare the connector dead',
    );
    const detectedAfterMs = performance.now() - faultAt;
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await fault(sim.view.controlUrl, { action: kind === 'pause' ? 'resume' : 'heal', target: `connector:${victim}` })).status, 200);
    const dispatchedTo = async () => metricSum(await relaySamples(sim), 'relay_dispatch_total', { connector: victim });
    const before = await dispatchedTo();
    await waitFor(dispatchedTo, (n) => n > before + 10, 10_000, `${victim} to be back in rotation`);
    const report = await run;
    agent.destroy();

    const figures = failoverFigures(await relaySamples(sim));
    const limitS = (HEARTBEAT.intervalMs * (HEARTBEAT.missed + 1)) / 1000;
    assert.ok(figures.detectionSum <= limitS + 0.2, `detection ${figures.detectionSum.toFixed(2)} s; limit ${limitS} s`);
    assertFailuresAreLosses(report, figures.lost);
    const p99DuringFault = p99Between(runner.intervals, 2, 2 + Math.ceil(detectedAfterMs / 1000) + 1);
    assert.ok(
      p99DuringFault < figures.detectionSum * 1000 + 1000,
      `p99 during the fault ${p99DuringFault} ms; detection ${(figures.detectionSum * 1000).toFixed(0)} ms`,
    );
    console.log(
      `${kind}: ${report.sent} sent, ${report.errors} failed, ${figures.lost} lost in flight (relay), ${figures.retries} retried, detection ${(figures.detectionSum * 1000).toFixed(0)} ms, p99 during fault ${p99DuringFault} ms`,
    );
  });
}
