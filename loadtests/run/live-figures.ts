import { IntervalLatency, LatencyHistogram } from '../drivers/latency-histogram.ts';
import type { Interval, ScenarioRunner } from '../drivers/open-model.ts';
import type { WsSessionDriver } from '../drivers/ws-session-driver.ts';
import type { InjectedFault } from './failover-figures.ts';
import type { RelaySecond } from './relay-sampler.ts';
import { thresholdValues } from './threshold-values.ts';
import type { LiveSnapshot } from './live-line.ts';
import type { RunTarget } from './run-context.ts';
import { metricSum, scrape } from './prom-text.ts';

// A run's figures while it runs: threshold values for abortOnFail, merged per-second intervals,
// and the progress line.

/**
 * The threshold metrics as they stand mid-run (for abortOnFail): HTTP latency and error rate so
 * far, WebSocket RTT and drops. Failover figures only exist at the end.
 */
export function liveValues(runners: ReadonlyMap<string, ScenarioRunner>, ws: WsSessionDriver | undefined): Record<string, number | null> {
  const latency = new LatencyHistogram();
  let requests = 0;
  let errors = 0;
  for (const runner of runners.values()) {
    latency.add(runner.latency);
    const report = runner.report();
    requests += report.sent;
    errors += report.errors;
  }
  const summary = latency.summary();
  const measured = (v: number) => (summary.count > 0 ? v : null);
  const wsReport = ws?.report();
  return thresholdValues({
    http: {
      requests,
      errors,
      latencyMs: {
        p50: measured(summary.p50),
        p90: measured(summary.p90),
        p99: measured(summary.p99),
        p999: measured(summary.p999),
        max: measured(summary.max),
      },
    },
    ws: wsReport && {
      rttMs:
        wsReport.rttMs.count > 0
          ? { p50: wsReport.rttMs.p50, p90: wsReport.rttMs.p90, p99: wsReport.rttMs.p99, p999: wsReport.rttMs.p999, max: wsReport.rttMs.max }
          : { p50: null, p90: null, p99: null, p999: null, max: null },
      dropped: wsReport.dropped,
    },
  });
}

/** Per-second intervals of every HTTP scenario, summed second by second (each sealed: compact). */
export function mergeIntervals(runners: ScenarioRunner[]): Interval[] {
  const longest = Math.max(0, ...runners.map((r) => r.intervals.length));
  return Array.from({ length: longest }, (_, second) => {
    const merged: Interval = { second, sent: 0, late: 0, ok: 0, errors: 0, bytes: 0, byErrorCode: {}, latency: new IntervalLatency(), inFlight: 0 };
    for (const runner of runners) {
      const part = runner.intervals[second];
      if (!part) continue;
      merged.sent += part.sent;
      merged.late += part.late;
      merged.ok += part.ok;
      merged.errors += part.errors;
      merged.bytes += part.bytes;
      for (const [code, n] of Object.entries(part.byErrorCode)) merged.byErrorCode[code] = (merged.byErrorCode[code] ?? 0) + n;
      merged.latency.histogram().add(part.latency);
    }
    merged.latency.seal();
    return merged;
  });
}

/** The live line's figures after `elapsedS` seconds of load (see live-line.ts). */
export function liveSnapshot(
  elapsedS: number,
  runners: ReadonlyMap<string, ScenarioRunner>,
  ws: WsSessionDriver | undefined,
  faults: readonly InjectedFault[],
  relay: RelaySecond | null | undefined,
): LiveSnapshot {
  let sent = 0;
  let answered = 0;
  const errorsByCode: Record<string, number> = {};
  const p99ByScenario: Record<string, number | null> = {};
  // Ticks land on whole seconds, give or take the timer clock: round, so tick k reads second k − 1.
  const lastComplete = Math.round(elapsedS) - 1;
  for (const [name, runner] of runners) {
    const report = runner.report();
    sent += report.sent;
    answered += report.ok + report.errors;
    for (const [code, n] of Object.entries(report.byErrorCode)) errorsByCode[code] = (errorsByCode[code] ?? 0) + n;
    const interval = lastComplete >= 0 ? runner.intervals[lastComplete] : undefined;
    const summary = interval?.latency.summary();
    p99ByScenario[name] = summary && summary.count > 0 ? summary.p99 : null;
  }
  const wsReport = ws?.report();
  return {
    elapsedS,
    sent,
    answered,
    errorsByCode,
    p99ByScenario,
    ws: wsReport && {
      open: wsReport.sessions.open,
      notOpen: Math.max(0, wsReport.sessions.target - wsReport.sessions.open),
      closesByCode: wsReport.closeCodes,
    },
    queueP99Ms: relay?.queueWaitP99Ms,
    faults: faults.length,
  };
}

/** Resident memory of every component the run knows and of this load runner (`load`), in MiB (for soak runs). */
export async function memoryOf(target: RunTarget): Promise<Record<string, number>> {
  const entries = await Promise.all(
    target.componentMetrics.map(
      async (c) => [c.id, Math.round(metricSum(await scrape(c.url).catch(() => []), 'process_resident_memory_bytes') / 2 ** 20)] as const,
    ),
  );
  return { ...Object.fromEntries(entries), load: Math.round(process.memoryUsage.rss() / 2 ** 20) };
}
