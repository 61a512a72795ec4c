import { LatencyHistogram } from '../drivers/latency-histogram.ts';
import type { SecondSample } from '../run/run-profile.ts';

/** Counts by key (status, error code, close code) added up. */
export function addCounts(records: readonly (Record<string, number> | undefined)[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const record of records) for (const [k, v] of Object.entries(record ?? {})) total[k] = (total[k] ?? 0) + v;
  return total;
}

/**
 * The segments' seconds on one wall clock: segment k's second t is the merged run's second
 * t + shift. Counts add up; each second's percentiles come from that second's merged histograms
 * (`bySecond`, every scenario's); the relay's figures and memory come from segment 1 (the first
 * run given), which read the same relay every other segment did.
 */
export function mergeSamples(
  segments: readonly { samples: readonly SecondSample[]; shift: number }[],
  bySecond: ReadonlyMap<string, ReadonlyMap<number, LatencyHistogram>>,
): SecondSample[] {
  const length = Math.max(...segments.map((s) => s.shift + s.samples.length));
  return Array.from({ length }, (_, t) => {
    const parts = segments.map(({ samples, shift }) => samples[t - shift]).filter((s): s is SecondSample => s !== undefined);
    const first = segments[0]!.samples[t - segments[0]!.shift];
    // This second's percentiles over every scenario: from the histograms added together, never from their percentiles.
    const second = new LatencyHistogram();
    for (const seconds of bySecond.values()) if (seconds.get(t)) second.add(seconds.get(t)!);
    const at = (p: number) => (second.histogram.totalCount === 0 ? 0 : second.histogram.getValueAtPercentile(p) / 1000);
    const ws = parts.filter((p) => p.ws).map((p) => p.ws!);
    return {
      t,
      http: {
        sent: parts.reduce((n, p) => n + p.http.sent, 0),
        late: parts.reduce((n, p) => n + (p.http.late ?? 0), 0),
        ok: parts.reduce((n, p) => n + p.http.ok, 0),
        errors: parts.reduce((n, p) => n + p.http.errors, 0),
        bytes: parts.reduce((n, p) => n + p.http.bytes, 0),
        p50: at(50),
        p90: at(90),
        p99: at(99),
        max: at(100),
        byErrorCode: addCounts(parts.map((p) => p.http.byErrorCode)),
      },
      ws: ws.length
        ? {
            open: ws.reduce((n, w) => n + w.open, 0),
            sent: ws.reduce((n, w) => n + w.sent, 0),
            closes: addCounts(ws.map((w) => w.closes)),
            reconnected: ws.reduce((n, w) => n + (w.reconnected ?? 0), 0),
          }
        : null,
      relay: first?.relay ?? null,
      ...(first?.memoryMiB ? { memoryMiB: first.memoryMiB } : {}),
    };
  });
}
