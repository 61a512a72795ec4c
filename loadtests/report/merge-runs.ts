import { LatencyHistogram } from '../drivers/latency-histogram.ts';
import type { SecondSample } from '../run/run-profile.ts';
import { evaluate, parseThreshold } from '../run/thresholds.ts';
import { SimError } from '../../sim/common/sim-error.ts';
import { hlogIntervals, hlogOfSeconds } from './hlog.ts';
import { addCounts, mergeSamples } from './merge-samples.ts';
import { saturationVerdict } from './saturation.ts';
import { percentiles, thresholdValues, type RunData, type Summary } from './summary.ts';

export class MergeError extends SimError<'bad_merge'> {
  constructor(message: string) {
    super('bad_merge', message);
  }
}

const sum = <T>(items: readonly T[], pick: (t: T) => number) => items.reduce((n, t) => n + pick(t), 0);

/**
 * The segments of one distributed run (`--segment i/n`), joined into one run: counts summed,
 * percentiles from the merged HDR histograms of every segment's `.hlog` (never averaged),
 * seconds aligned by wall clock, the relay's figures and the faults from segment 1 (it ran the
 * fault plan, and the relay's metrics are the one relay's, whoever read them), thresholds
 * evaluated again on the merged figures.
 */
export function mergeRuns(runs: readonly RunData[], runId: string): RunData {
  const segments = checkedSegments(runs);
  const first = segments[0]!.summary;
  const startMs = Math.min(...segments.map((r) => Date.parse(r.summary.startedAt)));
  const finishMs = Math.max(...segments.map((r) => Date.parse(r.summary.finishedAt)));
  const shift = (run: RunData) => Math.round((Date.parse(run.summary.startedAt) - startMs) / 1000);

  // Every scenario's intervals, by second of the merged run.
  const scenarioNames = [...new Set(segments.flatMap((r) => Object.keys(r.hlogs ?? {})))].sort();
  const bySecond = new Map<string, Map<number, LatencyHistogram>>();
  for (const name of scenarioNames) {
    const seconds = new Map<number, LatencyHistogram>();
    for (const run of segments) {
      for (const { startMs: at, histogram } of hlogIntervals(run.hlogs?.[name] ?? '')) {
        const second = Math.round((at - startMs) / 1000);
        if (!seconds.has(second)) seconds.set(second, new LatencyHistogram());
        seconds.get(second)!.histogram.add(histogram);
      }
    }
    bySecond.set(name, seconds);
  }
  // Each scenario's whole run, and every scenario together, added once.
  const whole = new Map(
    scenarioNames.map((name) => {
      const h = new LatencyHistogram();
      for (const second of bySecond.get(name)!.values()) h.add(second);
      return [name, h] as const;
    }),
  );
  const all = new LatencyHistogram();
  for (const h of whole.values()) all.add(h);

  const http = segments.map((r) => r.summary.http);
  const requests = sum(http, (h) => h.requests);
  const errors = sum(http, (h) => h.errors);
  const seconds = Math.max(0.001, (finishMs - startMs) / 1000);
  const ws = segments.flatMap((r) => (r.summary.ws ? [r.summary.ws] : []));
  const merged: Omit<Summary, 'thresholds'> = {
    ...first,
    runId,
    startedAt: new Date(startMs).toISOString(),
    finishedAt: new Date(finishMs).toISOString(),
    options: {
      ...first.options,
      rate: sum(segments, (r) => Number(r.summary.options['rate'] ?? 0)),
      sessions: sum(segments, (r) => Number(r.summary.options['sessions'] ?? 0)),
      segment: undefined,
      mergedSegments: segments.map((r) => r.summary.runId),
    },
    aborted:
      segments
        .map((r) => r.summary.aborted && `${r.summary.options['segment']}: ${r.summary.aborted}`)
        .filter(Boolean)
        .join('; ') || null,
    http: {
      planned: sum(http, (h) => h.planned ?? 0),
      saturation: saturationVerdict({
        planned: sum(http, (h) => h.planned ?? 0),
        sent: requests,
        late: sum(http, (h) => h.late),
        dropped: sum(http, (h) => h.dropped),
        lateInFirstSecond: sum(segments, (r) => r.samples[0]?.http.late ?? 0),
        byErrorCode: addCounts(http.map((h) => h.byErrorCode)),
      }),
      requests,
      ok: sum(http, (h) => h.ok),
      errors,
      dropped: sum(http, (h) => h.dropped),
      late: sum(http, (h) => h.late),
      verifyFailures: sum(http, (h) => h.verifyFailures),
      byStatus: addCounts(http.map((h) => h.byStatus)),
      byErrorCode: addCounts(http.map((h) => h.byErrorCode)),
      rps: Number((requests / seconds).toFixed(2)),
      bytesPerSec: sum(http, (h) => h.bytesPerSec),
      latencyMs: percentiles(all.summary()),
    },
    ws: ws.length
      ? {
          sessions: sum(ws, (w) => w.sessions),
          messages: sum(ws, (w) => w.messages),
          rttMs: wsRtt(segments),
          dropped: sum(ws, (w) => w.dropped),
          reconnected: sum(ws, (w) => w.reconnected),
        }
      : null,
    failover: first.failover && {
      ...first.failover,
      failedRequests: errors,
      otherFailures: first.failover.lostInFlight === null ? null : errors - first.failover.lostInFlight,
    },
    scenarios: Object.fromEntries(
      scenarioNames.map((name) => {
        const parts = segments.flatMap((r) => (r.summary.scenarios[name] ? [r.summary.scenarios[name]] : []));
        return [
          name,
          { requests: sum(parts, (p) => p.requests), ok: sum(parts, (p) => p.ok), errors: sum(parts, (p) => p.errors), latencyMs: whole.get(name)!.summary() },
        ];
      }),
    ),
  };
  const values = thresholdValues(merged as Summary);
  const thresholds = first.thresholds.map((t) => evaluate(parseThreshold(t.expr), values));
  const samples: SecondSample[] = mergeSamples(
    segments.map((r) => ({ samples: r.samples, shift: shift(r) })),
    bySecond,
  );
  const hlogs = Object.fromEntries(
    scenarioNames.map((name) => [
      name,
      hlogOfSeconds(
        startMs,
        [...bySecond.get(name)!].map(([s, h]) => [s, h.histogram] as const),
      ),
    ]),
  );
  return { summary: { ...merged, thresholds }, samples, hlogs };
}

/** The runs sorted by segment, refused unless they are every segment of one run, once each. */
function checkedSegments(runs: readonly RunData[]): RunData[] {
  if (runs.length === 0) throw new MergeError('name the run directories of the segments to merge');
  const parsed = runs.map((run) => ({ run, seg: /^(\d+)\/(\d+)$/.exec(String(run.summary.options['segment'] ?? '')) }));
  const unsegmented = parsed.find((p) => !p.seg);
  if (unsegmented) throw new MergeError(`${unsegmented.run.summary.runId} is not a segment (it ran without --segment i/n)`);
  const profiles = new Set(runs.map((r) => r.summary.profile));
  if (profiles.size > 1) throw new MergeError(`the segments ran different profiles: ${[...profiles].join(', ')}`);
  const counts = new Set(parsed.map((p) => p.seg![2]));
  if (counts.size > 1) throw new MergeError(`the segments split the run differently: ${parsed.map((p) => p.seg![0]).join(', ')}`);
  const n = Number([...counts][0]);
  const indexes = parsed.map((p) => Number(p.seg![1]));
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !indexes.includes(i));
  const twice = indexes.filter((i, k) => indexes.indexOf(i) !== k);
  if (twice.length) throw new MergeError(`segment ${twice.map((i) => `${i}/${n}`).join(', ')} given more than once`);
  if (missing.length) throw new MergeError(`segment ${missing.map((i) => `${i}/${n}`).join(', ')} missing: a merge needs every segment of the run`);
  return parsed.sort((a, b) => Number(a.seg![1]) - Number(b.seg![1])).map((p) => p.run);
}

/**
 * The segments' WebSocket RTT percentiles from their `ws.rtt.hlog` histograms added together; null
 * (not measured, rather than a guess) when a segment with sessions kept none.
 */
function wsRtt(segments: readonly RunData[]): Summary['http']['latencyMs'] {
  const withSessions = segments.filter((r) => r.summary.ws);
  const merged = new LatencyHistogram();
  for (const run of withSessions) for (const { histogram } of hlogIntervals(run.wsRttHlog ?? '')) merged.histogram.add(histogram);
  if (withSessions.some((r) => r.wsRttHlog === undefined) || merged.histogram.totalCount === 0)
    return { p50: null, p90: null, p99: null, p999: null, max: null } as unknown as Summary['http']['latencyMs'];
  return percentiles(merged.summary());
}
