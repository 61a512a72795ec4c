import { LatencyHistogram } from '../drivers/latency-histogram.ts';
import type { Interval } from '../drivers/open-model.ts';

/** A fault the runner injected, `atMs` after the run started. */
export interface InjectedFault {
  atMs: number;
  action: string;
  /** The component hit (resolved by the sim for `group:` targets). */
  target: string;
  ok: boolean;
  detail?: string;
}

/** A sim timeline entry, `tMs` after the run started. */
export interface RunEvent {
  tMs: number;
  type: string;
  action: string;
  target: string;
  detail?: string;
}

export interface FaultFigures {
  action: string;
  target: string;
  atMs: number;
  /** Fault to the relay declaring the connector dead (from the sim's events); null if it never did. */
  detectionMs: number | null;
  /** Fault to the first second back at the pre-fault success rate with p99 within 2x baseline. */
  recoveryMs: number | null;
}

const DETECTED_BY_RELAY = new Set(['kill', 'pause', 'partition', 'terminate', 'restart']);

/**
 * Failover figures from the client's per-second intervals and the sim's events, never estimated:
 * detection is when the relay reported the connector dead, recovery is read off the intervals.
 */
export function faultFigures(faults: readonly InjectedFault[], events: readonly RunEvent[], intervals: readonly Interval[], warmupS = 2): FaultFigures[] {
  const firstFaultS = faults.length ? Math.floor(faults[0]!.atMs / 1000) : intervals.length;
  const baseline = intervals.filter((i) => i.second >= Math.min(warmupS, firstFaultS - 1) && i.second < firstFaultS);
  const baselineOk = baseline.length ? baseline.reduce((n, i) => n + i.ok, 0) / baseline.length : 0;
  const merged = new LatencyHistogram();
  for (const i of baseline) merged.add(i.latency);
  const baselineP99 = merged.summary().p99;

  return faults.map((fault) => {
    const dead = DETECTED_BY_RELAY.has(fault.action)
      ? events.find((e) => e.action === 'connector-dead' && e.target === fault.target && e.tMs >= fault.atMs - 50)
      : undefined;
    const faultS = Math.floor(fault.atMs / 1000);
    const back = baseline.length
      ? intervals.find((i) => i.second > faultS && i.ok >= 0.95 * baselineOk && i.latency.summary().p99 <= 2 * Math.max(baselineP99, 1))
      : undefined;
    return {
      action: fault.action,
      target: fault.target,
      atMs: Math.round(fault.atMs),
      detectionMs: dead ? Math.max(0, Math.round(dead.tMs - fault.atMs)) : null,
      recoveryMs: back ? Math.max(0, Math.round(back.second * 1000 - fault.atMs)) : null,
    };
  });
}
