import { FAILOVER_MODE_LABELS } from '../../sim/relay/relay-config.ts';
import type { RunData, Summary } from './summary.ts';

// The report's tables as data; report.ts renders each as Markdown and as HTML.

export interface Table {
  readonly head: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

export const fmt = (v: unknown) =>
  v === null || v === undefined ? '–' : typeof v === 'number' ? String(Number(v.toFixed(3))) : typeof v === 'object' ? JSON.stringify(v) : String(v);

export function summaryRows(s: Summary): [string, unknown][] {
  return [
    ['failover mode', s.failoverMode ? FAILOVER_MODE_LABELS[s.failoverMode] : 'unknown'],
    ['requests', s.http.requests],
    ['errors', s.http.errors],
    ['rps', s.http.rps],
    ['p50 ms', s.http.latencyMs.p50],
    ['p99 ms', s.http.latencyMs.p99],
    ['max ms', s.http.latencyMs.max],
    ['dropped / late', `${s.http.dropped} / ${s.http.late}`],
    [
      'warm-up (excluded from thresholds)',
      s.http.afterWarmup
        ? `first ${s.http.afterWarmup.fromS} s; after it ${s.http.afterWarmup.requests} requests, ${s.http.afterWarmup.errors} errors, p99 ${fmt(s.http.afterWarmup.latencyMs.p99)} ms`
        : null,
    ],
    ['plan delivered', s.http.saturation?.text ?? null],
    ['queue wait p99 ms (relay)', s.relay.queueWaitP99Ms],
    ['retries (relay)', s.relay.retries],
    [
      'requests per relay instance',
      Object.entries(s.relay.requestsByInstance ?? {})
        .map(([id, n]) => `${id} ${n}`)
        .join(', ') || null,
    ],
    ['ws sessions / dropped / reconnected', s.ws ? `${s.ws.sessions} / ${s.ws.dropped} / ${s.ws.reconnected}` : null],
    ['ws rtt p99 ms', s.ws?.rttMs.p99],
    ['failover detection ms', s.failover?.detectionMs],
    ['failover recovery ms', s.failover?.recoveryMs],
    ['failed: lost in flight (relay) / other', s.failover ? `${fmt(s.failover.lostInFlight)} / ${fmt(s.failover.otherFailures)}` : null],
  ];
}

/** Each HTTP scenario on its own (GETs, uploads and downloads differ by orders of magnitude). */
export function scenarioTable(s: Summary): Table {
  return {
    head: ['scenario', 'requests', 'ok', 'errors', 'error %', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms'],
    rows: Object.entries(s.scenarios).map(([name, x]) => [
      name,
      x.requests,
      x.ok,
      x.errors,
      x.requests ? (100 * x.errors) / x.requests : null,
      ...(x.latencyMs.count ? [x.latencyMs.p50, x.latencyMs.p90, x.latencyMs.p99, x.latencyMs.p999, x.latencyMs.max] : [null, null, null, null, null]),
    ]),
  };
}

/**
 * Each fault the run tried: whether the sim applied it, detection and recovery, and what the
 * seconds from it to the next fault (or the end) cost: client failures, and relay retries.
 */
export function faultTable(run: RunData): Table {
  const { summary, samples } = run;
  const end = samples.length;
  const rows = summary.faults.map((fault, i) => {
    const from = Math.floor(fault.at / 1000);
    const to = i + 1 < summary.faults.length ? Math.floor(summary.faults[i + 1]!.at / 1000) : end;
    const window = samples.filter((s) => s.t >= from && s.t < to);
    const figures = summary.failover?.perFault.find((f) => f.atMs === fault.at && f.action === fault.action);
    const retried = window.every((s) => s.relay) ? window.reduce((n, s) => n + (s.relay?.retries ?? 0), 0) : null;
    return [
      (fault.at / 1000).toFixed(1),
      fault.action,
      fault.target,
      fault.ok ? 'applied' : 'refused',
      figures?.detectionMs ?? null,
      figures?.recoveryMs ?? null,
      window.reduce((n, s) => n + s.http.errors, 0),
      retried,
    ];
  });
  return { head: ['at s', 'action', 'target', 'sim', 'detection ms', 'recovery ms', `failed until next fault`, 'retried (relay)'], rows };
}

/** The run's settings as recorded in summary.options (the topology's shape included). */
export function optionRows(s: Summary): [string, unknown][] {
  return [['profile', s.profile], ['target', s.target], ...Object.entries(s.options)];
}

/** This run against another, figure by figure, with the change where both are numbers. */
export function compareTable(a: Summary, b: Summary): Table {
  const other = summaryRows(b);
  return {
    head: ['figure', 'this run', b.runId, 'change', 'change %'],
    rows: summaryRows(a).map(([name, v], i) => {
      const w = other[i]![1];
      const both = typeof v === 'number' && typeof w === 'number';
      return [name, v, w, both ? v - w : null, both && w !== 0 ? (100 * (v - w)) / w : null];
    }),
  };
}

/** Settings in which two runs differ: their figures are then not like for like. */
export function settingDifferences(a: Summary, b: Summary): string[] {
  const left = Object.fromEntries(optionRows(a));
  const right = Object.fromEntries(optionRows(b));
  return [...new Set([...Object.keys(left), ...Object.keys(right)])]
    .filter((key) => key !== 'target' && fmt(left[key]) !== fmt(right[key]))
    .map((key) => `${key}: ${fmt(left[key])} here, ${fmt(right[key])} there`);
}
