import type { SecondSample } from '../run/run-profile.ts';
import type { Summary } from './summary.ts';

/**
 * A k6-style summary (the shape of k6's handleSummary data and --summary-export): the figures
 * relay-sim measures under k6's metric names, k6-syntax thresholds attached to their metric, and
 * the full relay-sim summary alongside. Percentiles never measured are null, never copied.
 */
export function k6Summary(summary: Summary): Record<string, unknown> {
  const { http, ws } = summary;
  const durationMs = new Date(summary.finishedAt).getTime() - new Date(summary.startedAt).getTime();
  const metrics: Record<string, { type: string; contains: string; values: Record<string, number | null>; thresholds?: Record<string, { ok: boolean }> }> = {
    http_reqs: { type: 'counter', contains: 'default', values: { count: http.requests, rate: http.rps } },
    http_req_duration: {
      type: 'trend',
      contains: 'time',
      values: { med: http.latencyMs.p50, 'p(90)': http.latencyMs.p90, 'p(99)': http.latencyMs.p99, 'p(99.9)': http.latencyMs.p999, max: http.latencyMs.max },
    },
    // k6 counts a failed request as a "pass" of http_req_failed (the rate of true values).
    http_req_failed: {
      type: 'rate',
      contains: 'default',
      values: { rate: http.requests ? http.errors / http.requests : 0, passes: http.errors, fails: http.ok },
    },
  };
  if (ws) metrics['ws_msgs_dropped'] = { type: 'counter', contains: 'default', values: { count: ws.dropped } };
  for (const t of summary.thresholds) {
    const k6 = /^([a-z_]+): (.+)$/.exec(t.expr); // written in k6's syntax (k6-thresholds.ts)
    const metric = k6 && metrics[k6[1]!];
    if (metric) (metric.thresholds ??= {})[k6[2]!] = { ok: t.ok };
  }
  return { metrics, state: { testRunDurationMs: durationMs }, relaySim: summary };
}

const CSV_COLUMNS = ['t', 'sent', 'late', 'ok', 'errors', 'bytes', 'p50_ms', 'p90_ms', 'p99_ms', 'max_ms', 'ws_open', 'queue_wait_p99_ms'] as const;

/** One row per second of the run (`--out csv=FILE`); an empty cell is a figure not measured that second. */
export function samplesCsv(samples: readonly SecondSample[]): string {
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  const rows = samples.map((s) => {
    const h = s.http;
    const measured = h.ok + h.errors > 0;
    return [
      s.t,
      h.sent,
      h.late,
      h.ok,
      h.errors,
      h.bytes,
      measured ? h.p50 : null,
      measured ? h.p90 : null,
      measured ? h.p99 : null,
      measured ? h.max : null,
      s.ws?.open,
      s.relay?.queueWaitP99Ms,
    ]
      .map(cell)
      .join(',');
  });
  return `${CSV_COLUMNS.join(',')}\n${rows.map((r) => `${r}\n`).join('')}`;
}
