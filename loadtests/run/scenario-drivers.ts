import { performance } from 'node:perf_hooks';
import { OpenModelRunner, peakRate, type ArrivalPattern, type ScenarioRunner } from '../drivers/open-model.ts';
import { WsSessionDriver } from '../drivers/ws-session-driver.ts';
import type { ScenarioSpec } from '../profiles/profile.ts';
import { warmUpRequestPath } from './generator-warm-up.ts';
import { httpSender } from './http-scenarios.ts';
import type { LoadClient } from './load-client.ts';
import type { LoadgenMetrics } from './loadgen-metrics.ts';
import type { RunTarget } from './run-context.ts';
import type { RunSettings } from './run-settings.ts';
import { segmentOffsetMs } from './segment.ts';
import { WorkerPoolRunner } from './worker-pool-runner.ts';

// The drivers of a run's scenarios: an open-model runner per HTTP scenario (in this thread or in
// worker threads), the WebSocket session driver, both reporting into the load generator's metrics.

const WS_RECONNECT = { initialMs: 200, maxMs: 5000, resetAfterMs: 10_000 };

export function openModelRunner(
  spec: Exclude<ScenarioSpec, { kind: 'ws' }>,
  settings: RunSettings,
  target: RunTarget,
  client: LoadClient,
  metrics: LoadgenMetrics,
  durationMs: number,
): ScenarioRunner {
  const rate = settings.rate * spec.share;
  // Segments of a distributed run interleave: this one's arrivals fall between the others'.
  const offsetMs = segmentOffsetMs(settings.segment, rate * (settings.segment?.count ?? 1));
  const arrival = spec.arrival;
  const pattern: ArrivalPattern =
    arrival.kind === 'ramp' ? { kind: 'ramp', from: rate * arrival.from, to: rate, poisson: arrival.poisson } : { kind: arrival.kind, rate };
  const latency = metrics.latency.labels(spec.name);
  const dropped = metrics.dropped.labels(spec.name);
  dropped.inc(0);
  const maxInFlight = Math.max(1000, Math.ceil(rate * 30));
  if (settings.workers > 1) {
    return new WorkerPoolRunner({
      scenario: spec,
      target,
      workers: settings.workers,
      pattern,
      durationMs,
      maxInFlight,
      offsetMs,
      sockets: settings.connections,
      onDrops: (count) => dropped.inc(count),
      onOutcome: (outcome, ms) => {
        latency.observe(ms / 1000);
        metrics.requests.inc({ profile: settings.profile.name, scenario: spec.name, outcome: outcome.errorCode ?? 'ok' });
      },
    });
  }
  const send = httpSender(spec, target, client);
  return new OpenModelRunner({
    pattern,
    durationMs,
    maxInFlight,
    offsetMs: arrival.kind === 'constant' ? offsetMs : 0,
    onDrop: () => dropped.inc(),
    warmUp: () => warmUpRequestPath(spec, peakRate(pattern)),
    send: async (intendedAt) => {
      const outcome = await send();
      latency.observe((performance.now() - intendedAt) / 1000);
      metrics.requests.inc({ profile: settings.profile.name, scenario: spec.name, outcome: outcome.errorCode ?? 'ok' });
      return outcome;
    },
  });
}

export function wsDriver(spec: Extract<ScenarioSpec, { kind: 'ws' }>, settings: RunSettings, target: RunTarget, metrics: LoadgenMetrics): WsSessionDriver {
  return new WsSessionDriver({
    url: (target.instances ?? [target.origin]).map((origin) => `${origin.origin.replace(/^http/, 'ws')}/ws/echo`),
    host: target.hostOf(spec.app),
    ...(target.ca ? { ca: target.ca } : {}),
    sessions: settings.sessions,
    rampPerSecond: 500,
    messagesPerSecond: spec.messagesPerSecond,
    messageBytes: spec.messageBytes,
    reconnect: WS_RECONNECT,
    onRtt: (ms) => metrics.wsRtt.observe(ms / 1000),
  });
}
