import * as hdr from 'hdr-histogram-js';
import { LatencyHistogram } from '../drivers/latency-histogram.ts';

/** One HTTP scenario's latencies as the report draws them, read from its `.hlog` (microseconds). */
export interface ScenarioLatency {
  /** Each second that had requests: its index since the run started, count and percentiles (ms). */
  readonly seconds: readonly { t: number; count: number; p50: number; p99: number }[];
  /**
   * The whole run's percentile spectrum, HdrHistogram style: [x, ms] with x = log10(1 / (1 − p)),
   * so 90 %, 99 %, 99.9 % … are evenly spaced; it stops where the count no longer resolves p.
   */
  readonly spectrum: readonly (readonly [number, number])[];
  readonly count: number;
}

/** Percentiles the spectrum is drawn through (the x positions of HdrHistogram's plots). */
const SPECTRUM_PERCENTILES = [0, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.75, 99.9, 99.95, 99.975, 99.99, 99.995, 99.999];

/** Spectrum x for percentile p (0 at p = 0, 1 at 90 %, 2 at 99 %, …). */
export const spectrumX = (p: number) => Math.log10(100 / (100 - p));

export function scenarioLatency(hlog: string): ScenarioLatency {
  const startMs = Number(/#\[StartTime: ([\d.]+)/.exec(hlog)?.[1] ?? 0) * 1000;
  const whole = new LatencyHistogram();
  const seconds: { t: number; count: number; p50: number; p99: number }[] = [];
  const reader = new hdr.HistogramLogReader(hlog);
  for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) {
    whole.histogram.add(h);
    seconds.push({
      t: Math.round((h.startTimeStampMsec - startMs) / 1000),
      count: h.totalCount,
      p50: h.getValueAtPercentile(50) / 1000,
      p99: h.getValueAtPercentile(99) / 1000,
    });
  }
  const count = whole.histogram.totalCount;
  // p is resolved only when at least one request lies above it: 1 / (1 − p) ≤ count.
  const resolved = SPECTRUM_PERCENTILES.filter((p) => count > 0 && 100 / (100 - p) <= count);
  const spectrum = resolved.map((p) => [spectrumX(p), whole.histogram.getValueAtPercentile(p) / 1000] as const);
  return { seconds, spectrum, count };
}
