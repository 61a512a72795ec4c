import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from '../drivers/latency-histogram.ts';
import type { Interval, OpenModelReport, ScenarioRunner } from '../drivers/open-model.ts';
import type { WsDriverReport } from '../drivers/ws-session-driver.ts';
import type { ScenarioSpec } from '../profiles/profile.ts';
import { faultFigures, type InjectedFault, type RunEvent } from './failover-figures.ts';
import { LoadClient } from './load-client.ts';
import { LoadgenMetrics } from './loadgen-metrics.ts';
import { NO_RELAY_TOTALS, RelaySampler, type RelaySecond, type RelayTotals } from './relay-sampler.ts';
import type { FailoverMode } from '../../sim/relay/relay-config.ts';
import type { RunTarget } from './run-context.ts';
import { evaluate } from './thresholds.ts';
import { fetchEvents, injectFault } from './run-faults.ts';
import { closedLoop, type ClosedLoopFigures } from './closed-loop.ts';
import { liveSnapshot, liveValues, memoryOf, mergeIntervals } from './live-figures.ts';
import type { RunSettings } from './run-settings.ts';
import { openModelRunner, wsDriver } from './scenario-drivers.ts';

export type { RunSettings } from './run-settings.ts';

/** One second of a run, as written to samples.ndjson.gz. */
export interface SecondSample {
  t: number;
  http: {
    sent: number;
    late?: number;
    ok: number;
    errors: number;
    bytes: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
    byErrorCode: Record<string, number>;
  };
  /** WebSocket sessions open now; messages sent, closes by code and reconnects so far (cumulative). */
  ws: { open: number; sent: number; closes?: Record<string, number>; reconnected?: number } | null;
  relay: RelaySecond | null;
  memoryMiB?: Record<string, number>;
}

export interface RunResult {
  startedAt: Date;
  finishedAt: Date;
  aborted: string | undefined;
  scenarios: Record<string, OpenModelReport>;
  /** Client latency of every HTTP scenario together, from intended send times. */
  latency: LatencyHistogram;
  closed: ClosedLoopFigures | undefined;
  ws: WsDriverReport | undefined;
  /** Every WebSocket round-trip time of the run (for `ws.rtt.hlog`, so segments merge exactly). */
  wsRtt: LatencyHistogram | undefined;
  samples: SecondSample[];
  /** Faults the plan tried to inject (each ok or refused); none when the plan was skipped. */
  faults: InjectedFault[];
  /** Planned faults not even tried: no --control URL. They are not faults of this run. */
  faultsSkipped: number;
  events: RunEvent[];
  relayTotals: RelayTotals;
  /** The sim's failover mode, when known. */
  failoverMode: FailoverMode | undefined;
  failover: ReturnType<typeof faultFigures>;
  /** Each HTTP scenario's per-second timeline (sealed histograms), for its `.hlog`. */
  timelines: Record<string, readonly Interval[]>;
  /** HTTP figures from the end of the warm-up on (with `--warmup`): what thresholds judge. */
  afterWarmup?: { fromS: number; requests: number; errors: number; latency: LatencyHistogram };
}

/** Executes a profile against a target: open-model HTTP scenarios, WebSocket sessions, the fault plan. */
export async function runProfile(settings: RunSettings, target: RunTarget): Promise<RunResult> {
  const { profile } = settings;
  const durationMs = settings.durationS * 1000;
  const metrics = new LoadgenMetrics();
  await metrics.start(settings.metricsPort, settings.metricsHost, { profile: profile.name });
  const client = new LoadClient(target, settings.connections);
  const abort = new AbortController();
  const faults: InjectedFault[] = [];
  const relaySamples: (RelaySecond | null)[] = [];
  const wsSamples: NonNullable<SecondSample['ws']>[] = [];
  const memory: Record<string, number>[] = [];
  const sampler = target.relayMetrics.length ? new RelaySampler(target.relayMetrics, target.connectorMetricsUrls) : undefined;
  let aborted: string | undefined;

  const httpSpecs = profile.scenarios.filter((s): s is Exclude<ScenarioSpec, { kind: 'ws' }> => s.kind !== 'ws');
  const wsSpec = profile.scenarios.find((s) => s.kind === 'ws');
  const runners = new Map<string, ScenarioRunner>();
  if (!settings.closed) {
    for (const spec of httpSpecs) runners.set(spec.name, openModelRunner(spec, settings, target, client, metrics, durationMs));
  }
  // Worker threads load before the clock starts, so second 0 and the fault plan line up with the first sends.
  await Promise.all([...runners.values()].map((runner) => runner.prepare?.()));
  await sampler?.sample(); // the relay's counters before the first request
  const startedAt = new Date();
  const t0 = performance.now();
  const ws = wsSpec && settings.sessions > 0 ? wsDriver(wsSpec, settings, target, metrics) : undefined;
  ws?.start();

  // In a distributed run, segment 1 alone runs the fault plan: one kill, not one per segment.
  const plan = (settings.segment && settings.segment.index !== 1 ? [] : (profile.faults ?? [])).filter((f) => f.atS * 1000 < durationMs);
  const faultsSkipped = target.controlUrl ? 0 : plan.length;
  const timers = (target.controlUrl ? plan : []).map((f) =>
    setTimeout(() => void injectFault(target, f, performance.now() - t0).then((r) => faults.push(r)), f.atS * 1000),
  );
  if (faultsSkipped) settings.progress(`no --control URL: the fault plan is skipped (${faultsSkipped} fault(s) neither injected nor counted)`);

  let second = 0;
  const ticks = new Set<Promise<void>>();
  const ticker = setInterval(() => {
    // This tick's own second: the awaits below may finish after later ticks have begun.
    const tick = ++second;
    settings.live?.(liveSnapshot((performance.now() - t0) / 1000, runners, ws, faults, relaySamples[tick - 2]));
    if (ws) wsSamples[tick - 1] = { open: ws.openSessions, sent: ws.messagesSent, closes: ws.closeCounts, reconnected: ws.reconnects };
    // Sampled after the await; the run waits for the last ticks' samples before it builds its seconds.
    const sampling: Promise<void> = (async () => {
      relaySamples[tick - 1] = (await sampler?.sample()) ?? null;
      if (profile.trackMemory) memory[tick - 1] = await memoryOf(target);
      const failing = settings.thresholds.find(
        (t) => t.abortOnFail && tick >= Math.max(t.delayAbortEvalS, settings.warmupS ?? 0) && !evaluate(t, liveValues(runners, ws)).ok,
      );
      if (failing && !aborted) {
        aborted = `threshold "${failing.expr}" failed at ${tick} s (abortOnFail)`;
        abort.abort();
      }
    })();
    ticks.add(sampling);
    void sampling.finally(() => ticks.delete(sampling));
  }, 1000);

  let closed: RunResult['closed'];
  const onStop = () => {
    aborted ??= 'interrupted (Ctrl-C): the figures cover what ran until then';
    abort.abort();
  };
  if (settings.stop?.aborted) onStop();
  settings.stop?.addEventListener('abort', onStop, { once: true });
  const httpRuns = [...runners].map(async ([name, runner]) => [name, await runner.run(abort.signal)] as const);
  if (settings.closed) closed = await closedLoop(httpSpecs, settings, target);
  const scenarioReports = Object.fromEntries(await Promise.all(httpRuns));
  if (ws) await waitUntil(t0 + durationMs, abort.signal);
  const wsReport = ws ? await ws.stop() : undefined;
  clearInterval(ticker);
  await Promise.all(ticks);
  // The relay's totals as of the last request's end; also the last second's sample if its tick had not come.
  const lastSample = (await sampler?.sample()) ?? null;
  for (const timer of timers) clearTimeout(timer);
  await client.destroy();
  await metrics.close();
  const finishedAt = new Date();

  const events = await fetchEvents(target.controlUrl, startedAt.getTime());
  const latency = new LatencyHistogram();
  for (const runner of runners.values()) latency.add(runner.latency);
  const intervals = mergeIntervals([...runners.values()]);
  const samples: SecondSample[] = intervals.map((interval, i) => {
    const summary = interval.latency.summary();
    return {
      t: i,
      http: {
        sent: interval.sent,
        late: interval.late,
        ok: interval.ok,
        errors: interval.errors,
        bytes: interval.bytes,
        p50: summary.p50,
        p90: summary.p90,
        p99: summary.p99,
        max: summary.max,
        byErrorCode: interval.byErrorCode,
      },
      ws: wsSamples[i] ?? null,
      relay: relaySamples[i] ?? (i === relaySamples.length ? lastSample : null),
      ...(memory[i] ? { memoryMiB: memory[i] } : {}),
    };
  });
  return {
    startedAt,
    finishedAt,
    aborted,
    scenarios: scenarioReports,
    latency,
    closed,
    ws: wsReport,
    wsRtt: ws?.rtt,
    samples,
    faults,
    faultsSkipped,
    events,
    relayTotals: sampler?.totals() ?? NO_RELAY_TOTALS,
    failoverMode: target.failoverMode,
    // Figures only for faults the sim applied: a refused one has no detection or recovery.
    failover: faultFigures(
      faults.filter((f) => f.ok),
      events,
      intervals,
      Math.max(2, settings.warmupS ?? 0),
    ),
    timelines: Object.fromEntries([...runners].map(([name, runner]) => [name, runner.intervals])),
    ...(settings.warmupS ? { afterWarmup: afterWarmup(intervals, settings.warmupS) } : {}),
  };
}

function waitUntil(deadline: number, signal: AbortSignal): Promise<void> {
  const ms = deadline - performance.now();
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** Requests planned from second `fromS` on, their failures and one histogram of their latencies. */
function afterWarmup(intervals: readonly Interval[], fromS: number): NonNullable<RunResult['afterWarmup']> {
  const latency = new LatencyHistogram();
  let requests = 0;
  let errors = 0;
  for (const interval of intervals) {
    if (interval.second < fromS) continue;
    latency.add(interval.latency);
    requests += interval.ok + interval.errors;
    errors += interval.errors;
  }
  return { fromS, requests, errors, latency };
}
