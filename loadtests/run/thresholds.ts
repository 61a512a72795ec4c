import { SimError } from '../../sim/common/sim-error.ts';
import { THRESHOLD_METRICS } from './threshold-values.ts';

/**
 * k6-style thresholds: `<metric> <op> <number>`, e.g. `http.p99 < 250`, `http.error_rate < 0.001`,
 * `failover.failedRequests == 0`, `ws.dropped == 0`. Metric names are the flat view of summary.json
 * built by `thresholdValues`.
 */
export interface Threshold {
  readonly expr: string;
  readonly metric: string;
  readonly op: '<' | '<=' | '>' | '>=' | '==' | '!=';
  readonly bound: number;
  /** Stop the run as soon as it fails (after `delayAbortEvalS`), as k6's abortOnFail does. */
  readonly abortOnFail: boolean;
  readonly delayAbortEvalS: number;
}

export interface ThresholdResult {
  name: string;
  expr: string;
  ok: boolean;
  value: number | null;
}

const EXPR = /^\s*([a-z]+\.[A-Za-z0-9_]+)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

export class ThresholdError extends SimError<'bad_threshold'> {
  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super('bad_threshold', message, options);
  }
}

export function parseThreshold(expr: string, options: { abortOnFail?: boolean; delayAbortEvalS?: number } = {}): Threshold {
  const match = EXPR.exec(expr);
  if (!match) throw new ThresholdError(`threshold "${expr}" is not of the form "<metric> <op> <number>", e.g. "http.p99 < 250"`);
  // Checked before the run, not found missing after it.
  if (!THRESHOLD_METRICS.has(match[1]!)) {
    const family = [...THRESHOLD_METRICS].filter((m) => m.startsWith(`${match[1]!.split('.')[0]}.`));
    throw new ThresholdError(`threshold "${expr.trim()}": no metric ${match[1]}; known: ${(family.length ? family : [...THRESHOLD_METRICS]).join(', ')}`);
  }
  return {
    expr: expr.trim(),
    metric: match[1]!,
    op: match[2] as Threshold['op'],
    bound: Number(match[3]),
    abortOnFail: options.abortOnFail ?? false,
    delayAbortEvalS: options.delayAbortEvalS ?? 0,
  };
}

export function evaluate(threshold: Threshold, values: Readonly<Record<string, number | null>>): ThresholdResult {
  const value = values[threshold.metric] ?? null;
  const ok = value !== null && compare(value, threshold.op, threshold.bound);
  return { name: threshold.metric, expr: threshold.expr, ok, value };
}

function compare(value: number, op: Threshold['op'], bound: number): boolean {
  switch (op) {
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    case '==':
      return value === bound;
    case '!=':
      return value !== bound;
  }
}
