/** Percentiles as a run reports them; null when nothing was measured. */
type Percentiles = Partial<Record<'p50' | 'p90' | 'p99' | 'p999' | 'max', number | null>>;

/**
 * A run's figures as far as thresholds care: complete at the end (the summary), partial mid-run
 * (for abortOnFail, where only HTTP and WebSocket figures exist yet).
 */
export interface ThresholdFigures {
  readonly http: {
    readonly requests: number;
    readonly errors: number;
    readonly latencyMs: Percentiles;
    readonly rps?: number;
    readonly dropped?: number;
    readonly verifyFailures?: number;
  };
  readonly ws?: { readonly rttMs: Percentiles; readonly dropped: number; readonly reconnected?: number; readonly sessions?: number } | null;
  readonly relay?: { readonly retries: number | null; readonly queueWaitP99Ms: number | null } | null;
  readonly failover?: {
    readonly detectionMs: number | null;
    readonly recoveryMs: number | null;
    readonly failedRequests: number;
    readonly lostInFlight?: number | null;
    readonly otherFailures?: number | null;
    readonly retriedRequests: number | null;
  } | null;
}

/**
 * The flat metric names thresholds refer to (`http.p99`, `ws.dropped`, `failover.detectionMs`,
 * ...): the one place they are built, both live and at the end. A name whose figure does not exist
 * (yet) is absent, and a percentile that was never measured is null, never 0.
 */
export function thresholdValues(figures: ThresholdFigures): Record<string, number | null> {
  const { http, ws, relay, failover } = figures;
  const values: Record<string, number | null> = {
    'http.requests': http.requests,
    'http.errors': http.errors,
    'http.error_rate': http.requests > 0 ? http.errors / http.requests : 0,
  };
  if (http.rps !== undefined) values['http.rps'] = http.rps;
  if (http.dropped !== undefined) values['http.dropped'] = http.dropped;
  if (http.verifyFailures !== undefined) values['verify.failures'] = http.verifyFailures;
  for (const [k, v] of Object.entries(http.latencyMs)) values[`http.${k}`] = http.requests > 0 ? (v ?? null) : null;
  if (relay) {
    values['relay.retries'] = relay.retries;
    values['relay.queueWaitP99Ms'] = relay.queueWaitP99Ms;
  }
  if (ws) {
    for (const [k, v] of Object.entries(ws.rttMs)) values[`ws.${k}`] = v ?? null;
    values['ws.dropped'] = ws.dropped;
    if (ws.reconnected !== undefined) values['ws.reconnected'] = ws.reconnected;
    if (ws.sessions !== undefined) values['ws.sessions'] = ws.sessions;
  }
  if (failover) {
    values['failover.detectionMs'] = failover.detectionMs;
    values['failover.recoveryMs'] = failover.recoveryMs;
    values['failover.failedRequests'] = failover.failedRequests;
    values['failover.retriedRequests'] = failover.retriedRequests;
    if (failover.lostInFlight !== undefined) values['failover.lostInFlight'] = failover.lostInFlight;
    if (failover.otherFailures !== undefined) values['failover.otherFailures'] = failover.otherFailures;
  }
  return values;
}

/** Every metric name a threshold may use: those of a run with every figure present. */
export const THRESHOLD_METRICS: ReadonlySet<string> = new Set(
  Object.keys(
    thresholdValues({
      http: { requests: 1, errors: 0, latencyMs: { p50: 0, p90: 0, p99: 0, p999: 0, max: 0 }, rps: 0, dropped: 0, verifyFailures: 0 },
      ws: { rttMs: { p50: 0, p90: 0, p99: 0, p999: 0, max: 0 }, dropped: 0, reconnected: 0, sessions: 0 },
      relay: { retries: 0, queueWaitP99Ms: 0 },
      failover: { detectionMs: 0, recoveryMs: 0, failedRequests: 0, lostInFlight: 0, otherFailures: 0, retriedRequests: 0 },
    }),
  ),
);
