import { z } from 'zod';
import { parseDurationS } from './duration.ts';
import { parseThreshold, ThresholdError, type Threshold } from './thresholds.ts';

/**
 * k6's threshold syntax, so one SLO file serves both tools:
 *   thresholds:
 *     http_req_duration: ['p(99)<250', { threshold: 'p(90)<100', abortOnFail: true, delayAbortEval: '10s' }]
 *     http_req_failed: ['rate<0.01']
 * Each k6 metric and aggregation maps to the figure relay-sim measures for it; one it does not
 * measure (say `avg` or `p(95)`) is refused before the run with what it does measure.
 */
export const K6Thresholds = z.record(
  z.string(),
  z.array(z.union([z.string(), z.strictObject({ threshold: z.string(), abortOnFail: z.boolean().default(false), delayAbortEval: z.string().optional() })])),
);

/** k6 metric → aggregation → our metric name. */
const MAPPING: Record<string, Record<string, string>> = {
  http_req_duration: { 'p(50)': 'http.p50', med: 'http.p50', 'p(90)': 'http.p90', 'p(99)': 'http.p99', 'p(99.9)': 'http.p999', max: 'http.max' },
  http_req_failed: { rate: 'http.error_rate' },
  http_reqs: { count: 'http.requests', rate: 'http.rps' },
  ws_msgs_dropped: { count: 'ws.dropped' },
};

const K6_EXPR = /^\s*(p\(\d+(?:\.\d+)?\)|med|max|min|avg|rate|count)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

export function parseK6Thresholds(value: z.infer<typeof K6Thresholds>): Threshold[] {
  return Object.entries(value).flatMap(([k6Metric, list]) =>
    list.map((entry) => {
      const text = typeof entry === 'string' ? entry : entry.threshold;
      const match = K6_EXPR.exec(text);
      const known = MAPPING[k6Metric];
      if (!known) throw new ThresholdError(`k6 threshold on ${k6Metric}: relay-sim measures ${Object.keys(MAPPING).join(', ')}`);
      if (!match) throw new ThresholdError(`k6 threshold "${text}" on ${k6Metric} is not of the form "<aggregation><op><number>", e.g. "p(99)<250"`);
      const ours = known[match[1]!];
      if (!ours) throw new ThresholdError(`k6 threshold "${text}": ${k6Metric} ${match[1]} is not measured; use ${Object.keys(known).join(', ')}`);
      const delay = typeof entry === 'string' || !entry.delayAbortEval ? 0 : parseDurationS(entry.delayAbortEval);
      if (delay === undefined)
        throw new ThresholdError(`k6 threshold "${text}": delayAbortEval ${(entry as { delayAbortEval: string }).delayAbortEval} is not a duration`);
      const parsed = parseThreshold(`${ours} ${match[2]} ${match[3]}`, { abortOnFail: typeof entry !== 'string' && entry.abortOnFail, delayAbortEvalS: delay });
      return { ...parsed, expr: `${k6Metric}: ${text.trim()}` };
    }),
  );
}
