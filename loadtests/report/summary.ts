import { saturationVerdict, type SaturationVerdict } from './saturation.ts';
import { execFileSync } from 'node:child_process';
import type { LatencySummaryMs } from '../drivers/latency-histogram.ts';
import type { RunResult, SecondSample } from '../run/run-profile.ts';
import type { ThresholdResult } from '../run/thresholds.ts';

/** A finished run as the report sees it; rebuilt from summary.json and samples.ndjson.gz. */
export interface RunData {
  readonly summary: Summary;
  readonly samples: readonly SecondSample[];
  /** Each HTTP scenario's raw latencies, `<scenario>.hlog` (hlog.ts); absent in runs before they were kept. */
  readonly hlogs?: Readonly<Record<string, string>>;
  /** The WebSocket round-trip times, `ws.rtt.hlog` (hlog.ts); absent without WebSockets or in older runs. */
  readonly wsRttHlog?: string;
}

/** summary.json (DESIGN 3.6). */
export interface Summary {
  runId: string;
  profile: string;
  target: string;
  startedAt: string;
  finishedAt: string;
  gitSha: string | null;
  options: Record<string, unknown>;
  aborted: string | null;
  http: {
    /** Arrivals the open-model plan scheduled (absent in closed-loop runs and in runs before it was recorded). */
    planned?: number;
    /** Whether the plan was delivered, and which side fell short if not (open model only). */
    saturation?: SaturationVerdict | null;
    /** With --warmup: the requests planned from `fromS` on, which thresholds judge instead of the whole run. */
    afterWarmup?: { fromS: number; requests: number; errors: number; latencyMs: Omit<LatencySummaryMs, 'count' | 'mean'> };
    requests: number;
    ok: number;
    errors: number;
    dropped: number;
    late: number;
    verifyFailures: number;
    byStatus: Record<string, number>;
    byErrorCode: Record<string, number>;
    rps: number;
    bytesPerSec: number;
    latencyMs: Omit<LatencySummaryMs, 'count' | 'mean'>;
    closedLoop?: RunResult['closed'];
  };
  ws: { sessions: number; messages: number; rttMs: Omit<LatencySummaryMs, 'count' | 'mean'>; dropped: number; reconnected: number } | null;
  relay: RunResult['relayTotals'];
  faults: { at: number; action: string; target: string; ok: boolean }[];
  /** Planned faults not injected (no --control URL); absent in runs before it was recorded. */
  faultsSkipped?: number;
  /** The sim's timeline during the run (ms since the run started), when its control API was known. */
  events: RunResult['events'];
  /** The sim's failover mode (topology `failover.mode`); null when the run could not ask (no control API). */
  failoverMode: 'appproxy' | 'resilient' | null;
  failover: {
    mode: 'appproxy' | 'resilient' | null;
    detectionMs: number | null;
    recoveryMs: number | null;
    /** Every HTTP request the client saw fail during the run. */
    failedRequests: number;
    /** Of those, the requests the relay counted as lost in flight with their connector (null: relay not read). */
    lostInFlight: number | null;
    /** failedRequests − lostInFlight: failures the loss of a connector does not explain (0 when the two agree). */
    otherFailures: number | null;
    retriedRequests: number | null;
    perFault: RunResult['failover'];
  } | null;
  thresholds: ThresholdResult[];
  scenarios: Record<string, { requests: number; ok: number; errors: number; latencyMs: LatencySummaryMs }>;
}

function gitSha(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** A latency summary's percentiles, without its count and mean (the form summary.json keeps). */
export const percentiles = (s: Pick<LatencySummaryMs, 'p50' | 'p90' | 'p99' | 'p999' | 'max'>) => ({
  p50: s.p50,
  p90: s.p90,
  p99: s.p99,
  p999: s.p999,
  max: s.max,
});
const maxOrNull = (values: (number | null)[]) => (values.some((v) => v === null) || values.length === 0 ? null : Math.max(...(values as number[])));

export function buildSummary(runId: string, profile: string, target: string, options: Record<string, unknown>, result: RunResult): Omit<Summary, 'thresholds'> {
  const reports = Object.values(result.scenarios);
  const sum = (pick: (r: (typeof reports)[number]) => number) => reports.reduce((n, r) => n + pick(r), 0);
  const seconds = Math.max(0.001, (result.finishedAt.getTime() - result.startedAt.getTime()) / 1000);
  const byStatus: Record<string, number> = {};
  const byErrorCode: Record<string, number> = {};
  for (const r of reports) {
    for (const [k, v] of Object.entries(r.byStatus)) byStatus[k] = (byStatus[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.byErrorCode)) byErrorCode[k] = (byErrorCode[k] ?? 0) + v;
  }
  const closed = result.closed;
  const requests = closed ? closed.requests : sum((r) => r.sent);
  const errors = closed ? closed.errors : sum((r) => r.errors);
  const hasFaults = result.faults.some((f) => f.ok);
  return {
    runId,
    profile,
    target,
    startedAt: result.startedAt.toISOString(),
    finishedAt: result.finishedAt.toISOString(),
    gitSha: gitSha(),
    options,
    aborted: result.aborted ?? null,
    http: {
      requests,
      ok: requests - errors,
      errors,
      ...(closed
        ? {}
        : {
            planned: sum((r) => r.planned),
            saturation: saturationVerdict({
              planned: sum((r) => r.planned),
              sent: sum((r) => r.sent),
              late: sum((r) => r.late),
              dropped: sum((r) => r.dropped),
              lateInFirstSecond: result.samples[0]?.http.late ?? 0,
              byErrorCode,
            }),
          }),
      dropped: sum((r) => r.dropped),
      late: sum((r) => r.late),
      verifyFailures: byErrorCode['verify_failed'] ?? 0,
      byStatus,
      byErrorCode,
      rps: Number((requests / seconds).toFixed(2)),
      bytesPerSec: Math.round(sum((r) => r.bytes) / seconds),
      latencyMs: percentiles(closed ?? result.latency.summary()),
      ...(result.afterWarmup && {
        afterWarmup: {
          fromS: result.afterWarmup.fromS,
          requests: result.afterWarmup.requests,
          errors: result.afterWarmup.errors,
          latencyMs: percentiles(result.afterWarmup.latency.summary()),
        },
      }),
      ...(closed ? { closedLoop: closed } : {}),
    },
    ws: result.ws
      ? {
          sessions: result.ws.sessions.opened,
          messages: result.ws.messages.echoed,
          rttMs: percentiles(result.ws.rttMs),
          dropped: result.ws.dropped,
          reconnected: result.ws.reconnected,
        }
      : null,
    relay: result.relayTotals,
    faults: result.faults.map((f) => ({ at: Math.round(f.atMs), action: f.action, target: f.target, ok: f.ok })),
    faultsSkipped: result.faultsSkipped,
    events: result.events,
    failoverMode: result.failoverMode ?? null,
    failover: hasFaults
      ? {
          mode: result.failoverMode ?? null,
          detectionMs: maxOrNull(
            result.failover.filter((f) => f.detectionMs !== null || ['kill', 'pause', 'partition'].includes(f.action)).map((f) => f.detectionMs),
          ),
          recoveryMs: maxOrNull(result.failover.filter((f) => ['kill', 'pause', 'partition'].includes(f.action)).map((f) => f.recoveryMs)),
          failedRequests: errors,
          lostInFlight: result.relayTotals.lostInFlight,
          otherFailures: result.relayTotals.lostInFlight === null ? null : errors - result.relayTotals.lostInFlight,
          retriedRequests: result.relayTotals.retries,
          perFault: result.failover,
        }
      : null,
    scenarios: Object.fromEntries(
      Object.entries(result.scenarios).map(([name, r]) => [name, { requests: r.sent, ok: r.ok, errors: r.errors, latencyMs: r.latencyMs }]),
    ),
  };
}

export { thresholdValues } from '../run/threshold-values.ts';
