import { bucketQuantile, histogramBuckets, metricSum, scrape, type Sample } from './prom-text.ts';

/** What the relay's own metrics said about one second of the run (never estimated on the client). */
export interface RelaySecond {
  /** Mean and p99 queue wait of the requests dispatched this second (ms), null if none were. */
  queueWaitMeanMs: number | null;
  queueWaitP99Ms: number | null;
  queueDepth: number;
  wsActive: number;
  dispatched: number;
  retries: number;
  /** Mean backend service time seen by the connectors this second (ms), when they are scraped. */
  serviceMeanMs: number | null;
  /** With a capacity model: mean wait for a virtual CPU of the requests served this second (ms). */
  cpuWaitMeanMs: number | null;
}

/** The relay's own run-wide figures; null where it could not be read. */
export interface RelayTotals {
  retries: number | null;
  /** HTTP requests the relay counted as lost in flight with their connector (relay_requests_lost_total). */
  lostInFlight: number | null;
  /** HTTP requests each relay instance answered during the run (relay_requests_total), by id. */
  requestsByInstance: Record<string, number> | null;
  queueWaitMeanMs: number | null;
  queueWaitP99Ms: number | null;
}

export const NO_RELAY_TOTALS: RelayTotals = { retries: null, lostInFlight: null, requestsByInstance: null, queueWaitMeanMs: null, queueWaitP99Ms: null };

interface Totals {
  readonly waitSum: number;
  readonly waitCount: number;
  readonly waitBuckets: Map<number, number>;
  readonly retries: number;
  readonly lostInFlight: number;
  /** relay_requests_total of each relay instance, by id. */
  readonly requestsByInstance: Readonly<Record<string, number>>;
  readonly serviceSum: number;
  readonly serviceCount: number;
  readonly cpuWaitSum: number;
  readonly cpuWaitCount: number;
}

/**
 * Scrapes the relay (and optionally the connectors) once per second and turns the counters and
 * histograms into per-second deltas. Also keeps run-wide totals for the summary.
 */
export class RelaySampler {
  readonly #relays: readonly { id: string; url: string }[];
  readonly #connectorMetricsUrls: readonly string[];
  #first: Totals | undefined;
  #last: Totals | undefined;

  /** @param relays every relay instance's /metrics: their figures are summed, and requests kept per instance */
  constructor(relays: readonly { id: string; url: string }[], connectorMetricsUrls: readonly string[] = []) {
    this.#relays = relays;
    this.#connectorMetricsUrls = connectorMetricsUrls;
  }

  async sample(): Promise<RelaySecond | undefined> {
    let perRelay: Sample[][];
    try {
      perRelay = await Promise.all(this.#relays.map((r) => scrape(r.url)));
    } catch {
      return undefined; // a relay may be the thing being faulted; a gap is honest
    }
    const relay = perRelay.flat();
    const connectors = (await Promise.all(this.#connectorMetricsUrls.map((url) => scrape(url).catch(() => [] as Sample[])))).flat();
    const totals: Totals = {
      waitSum: metricSum(relay, 'relay_queue_wait_seconds_sum'),
      waitCount: metricSum(relay, 'relay_queue_wait_seconds_count'),
      waitBuckets: histogramBuckets(relay, 'relay_queue_wait_seconds'),
      retries: metricSum(relay, 'relay_retries_total'),
      lostInFlight: metricSum(relay, 'relay_requests_lost_total'),
      requestsByInstance: Object.fromEntries(this.#relays.map((r, i) => [r.id, metricSum(perRelay[i]!, 'relay_requests_total')])),
      serviceSum: metricSum(connectors, 'connector_backend_duration_seconds_sum'),
      serviceCount: metricSum(connectors, 'connector_backend_duration_seconds_count'),
      cpuWaitSum: metricSum(connectors, 'connector_cpu_wait_seconds_sum', { kind: 'request' }),
      cpuWaitCount: metricSum(connectors, 'connector_cpu_wait_seconds_count', { kind: 'request' }),
    };
    const previous = this.#last ?? totals;
    this.#first ??= totals;
    this.#last = totals;
    const count = totals.waitCount - previous.waitCount;
    const deltaBuckets = new Map([...totals.waitBuckets].map(([le, n]) => [le, n - (previous.waitBuckets.get(le) ?? 0)]));
    const serviceCount = totals.serviceCount - previous.serviceCount;
    const cpuWaits = totals.cpuWaitCount - previous.cpuWaitCount;
    return {
      queueWaitMeanMs: count > 0 ? round(((totals.waitSum - previous.waitSum) / count) * 1000) : null,
      queueWaitP99Ms: count > 0 ? round((bucketQuantile(0.99, deltaBuckets) ?? 0) * 1000) : null,
      queueDepth: metricSum(relay, 'relay_queue_depth'),
      wsActive: metricSum(relay, 'relay_ws_sessions_active'),
      dispatched: count,
      retries: totals.retries - previous.retries,
      serviceMeanMs: serviceCount > 0 ? round(((totals.serviceSum - previous.serviceSum) / serviceCount) * 1000) : null,
      cpuWaitMeanMs: cpuWaits > 0 ? round(((totals.cpuWaitSum - previous.cpuWaitSum) / cpuWaits) * 1000) : null,
    };
  }

  /** Run-wide relay figures between the first and the last sample: retries, losses in flight, queue wait. */
  totals(): RelayTotals {
    if (!this.#first || !this.#last) return NO_RELAY_TOTALS;
    const first = this.#first;
    const count = this.#last.waitCount - first.waitCount;
    const buckets = new Map([...this.#last.waitBuckets].map(([le, n]) => [le, n - (first.waitBuckets.get(le) ?? 0)]));
    return {
      retries: this.#last.retries - first.retries,
      lostInFlight: this.#last.lostInFlight - first.lostInFlight,
      requestsByInstance: Object.fromEntries(Object.entries(this.#last.requestsByInstance).map(([id, n]) => [id, n - (first.requestsByInstance[id] ?? 0)])),
      queueWaitMeanMs: count > 0 ? round(((this.#last.waitSum - first.waitSum) / count) * 1000) : null,
      queueWaitP99Ms: count > 0 ? round((bucketQuantile(0.99, buckets) ?? 0) * 1000) : null,
    };
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
