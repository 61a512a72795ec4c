import * as hdr from 'hdr-histogram-js';
import type { Interval } from '../drivers/open-model.ts';
import { LatencyHistogram } from '../drivers/latency-histogram.ts';

/**
 * A scenario's raw latencies as an HdrHistogram interval log (`.hlog`, the format of HdrHistogram's
 * HistogramLogWriter, which its tools and other languages read): one histogram per second of the
 * run, values in microseconds from each request's intended send time. Any percentile of any span
 * can be rebuilt from it offline (`relay-sim report DIR --percentiles ...`), and logs of several
 * machines merge exactly.
 */
export function hlogText(startedAtMs: number, intervals: readonly Interval[]): string {
  return hlogOfSeconds(
    startedAtMs,
    intervals.map((interval) => [interval.second, interval.latency.histogram().histogram] as const),
  );
}

/** Histograms by second since `startedAtMs` as an `.hlog`; empty seconds are left out. */
export function hlogOfSeconds(startedAtMs: number, seconds: Iterable<readonly [number, hdr.Histogram]>): string {
  return logText(startedAtMs, "relay-sim latencies: microseconds from each request's intended send time, one histogram per second", (writer) => {
    for (const [second, histogram] of [...seconds].sort((a, b) => a[0] - b[0])) {
      if (histogram.totalCount > 0) writer.outputIntervalHistogram(histogram, second, second + 1, 1000);
    }
  });
}

/** One histogram for a whole run as an `.hlog` (one interval of `durationS`): WebSocket RTTs, kept for merging. */
export function hlogOfRun(startedAtMs: number, durationS: number, histogram: hdr.Histogram): string {
  return logText(startedAtMs, 'relay-sim WebSocket round-trip times: microseconds, one histogram for the run', (writer) => {
    if (histogram.totalCount > 0) writer.outputIntervalHistogram(histogram, 0, Math.max(1, durationS), 1000);
  });
}

/** An interval log's text: its header (comment, version, start time, legend), then what `intervals` writes. */
function logText(startedAtMs: number, comment: string, intervals: (writer: hdr.HistogramLogWriter) => void): string {
  const lines: string[] = [];
  const writer = new hdr.HistogramLogWriter((text) => lines.push(text));
  writer.outputComment(comment);
  writer.outputLogFormatVersion();
  writer.outputStartTime(startedAtMs);
  writer.outputLegend();
  intervals(writer);
  return lines.join('');
}

/** An `.hlog`'s interval histograms, each with its absolute start (ms since the epoch). */
export function hlogIntervals(text: string): { startMs: number; histogram: hdr.Histogram }[] {
  const reader = new hdr.HistogramLogReader(text);
  const intervals: { startMs: number; histogram: hdr.Histogram }[] = [];
  for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) intervals.push({ startMs: h.startTimeStampMsec, histogram: h });
  return intervals;
}

/** Every histogram of an `.hlog`, added into one. */
export function readHlog(text: string): LatencyHistogram {
  const merged = new LatencyHistogram();
  const reader = new hdr.HistogramLogReader(text);
  for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) merged.histogram.add(h);
  return merged;
}
