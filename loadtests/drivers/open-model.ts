import { performance } from 'node:perf_hooks';
import { IntervalLatency, LatencyHistogram, type LatencySummaryMs } from './latency-histogram.ts';

/** What one request of a scenario ended as. */
export interface Outcome {
  /** HTTP status, or 0 when the request failed below HTTP (reset, refused). */
  readonly status: number;
  /** The relay's `x-relay-error` code, a transport error code, or `verify_failed`. */
  readonly errorCode?: string;
  /** Body bytes moved (either way). */
  readonly bytes?: number;
}

export type ArrivalPattern =
  | { readonly kind: 'constant'; readonly rate: number }
  | { readonly kind: 'ramp'; readonly from: number; readonly to: number; /** Poisson arrivals around the ramping rate. */ readonly poisson?: boolean }
  | { readonly kind: 'poisson'; readonly rate: number };

export interface OpenModelOptions {
  readonly pattern: ArrivalPattern;
  readonly durationMs: number;
  /** Sends one request; `intendedAt` is the plan time it was due (performance.now() ms). */
  readonly send: (intendedAt: number) => Promise<Outcome>;
  /** Requests allowed in flight; an arrival beyond this is dropped and counted, never queued. */
  readonly maxInFlight: number;
  /** A send this much later than planned counts as late. */
  readonly lateAfterMs?: number;
  readonly random?: () => number;
  /** Called for each arrival dropped because too many were in flight. */
  readonly onDrop?: () => void;
}

/** One second of the run, for timelines (throughput, errors and latency around faults). */
export interface Interval {
  readonly second: number;
  sent: number;
  ok: number;
  errors: number;
  bytes: number;
  readonly byErrorCode: Record<string, number>;
  /** Sealed (compressed) once the second is over and none of its requests is in flight. */
  readonly latency: IntervalLatency;
  /** Requests planned in this second still in flight. */
  inFlight: number;
}

export interface OpenModelReport {
  planned: number;
  sent: number;
  ok: number;
  errors: number;
  dropped: number;
  late: number;
  byStatus: Record<string, number>;
  byErrorCode: Record<string, number>;
  bytes: number;
  latencyMs: LatencySummaryMs;
}

const TICK_MS = 2;

/**
 * An open-model load generator: a plan clock schedules arrivals (constant, ramping or Poisson) and
 * never waits for responses. Latency is measured from each request's intended send time, so a
 * stall shows up in full instead of being hidden by coordinated omission. Late sends and drops
 * are counted. The run is bounded by `durationMs` and stops by itself.
 */
export class OpenModelRunner {
  readonly latency = new LatencyHistogram();
  readonly intervals: Interval[] = [];
  readonly #options: OpenModelOptions;
  readonly #byStatus: Record<string, number> = {};
  readonly #byErrorCode: Record<string, number> = {};
  #planned = 0;
  #sent = 0;
  #ok = 0;
  #errors = 0;
  #dropped = 0;
  #late = 0;
  #bytes = 0;
  #inFlight = 0;
  #startedAt = 0;

  constructor(options: OpenModelOptions) {
    this.#options = options;
  }

  /** Runs the plan to its end and waits for every request sent to finish. */
  async run(signal?: AbortSignal): Promise<OpenModelReport> {
    this.#startedAt = performance.now();
    const arrivals = this.#arrivals();
    const pending = new Set<Promise<void>>();
    let next = arrivals.next();
    while (!next.done && !signal?.aborted) {
      const now = performance.now();
      while (!next.done && next.value <= now) {
        const request = this.#fire(next.value);
        if (request) {
          pending.add(request);
          void request.finally(() => pending.delete(request));
        }
        next = arrivals.next();
      }
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    await Promise.all(pending);
    return this.report();
  }

  report(): OpenModelReport {
    return {
      planned: this.#planned,
      sent: this.#sent,
      ok: this.#ok,
      errors: this.#errors,
      dropped: this.#dropped,
      late: this.#late,
      byStatus: { ...this.#byStatus },
      byErrorCode: { ...this.#byErrorCode },
      bytes: this.#bytes,
      latencyMs: this.latency.summary(),
    };
  }

  /** Plan times (performance.now() ms) of every arrival in the run, in order. */
  *#arrivals(): Generator<number> {
    const { pattern, durationMs } = this.#options;
    const random = this.#options.random ?? Math.random;
    let t = 0;
    for (;;) {
      const progress = t / durationMs;
      const rate = pattern.kind === 'ramp' ? pattern.from + (pattern.to - pattern.from) * progress : pattern.rate;
      const poisson = pattern.kind === 'poisson' || (pattern.kind === 'ramp' && pattern.poisson === true);
      const gap = poisson ? -Math.log(1 - random()) / rate : 1 / Math.max(rate, 1e-9);
      t += gap * 1000;
      if (t >= durationMs) return;
      yield this.#startedAt + t;
    }
  }

  #fire(intendedAt: number): Promise<void> | undefined {
    this.#planned++;
    const interval = this.#interval(intendedAt);
    if (this.#inFlight >= this.#options.maxInFlight) {
      this.#dropped++;
      this.#options.onDrop?.();
      return undefined;
    }
    if (performance.now() - intendedAt > (this.#options.lateAfterMs ?? 10)) this.#late++;
    this.#inFlight++;
    this.#sent++;
    interval.sent++;
    interval.inFlight++;
    return this.#options.send(intendedAt).then(
      (outcome) => this.#record(outcome, intendedAt, interval),
      (err: NodeJS.ErrnoException) => this.#record({ status: 0, errorCode: err.code ?? 'error' }, intendedAt, interval),
    );
  }

  #record(outcome: Outcome, intendedAt: number, interval: Interval): void {
    this.#inFlight--;
    const ms = performance.now() - intendedAt;
    this.latency.recordMs(ms);
    interval.latency.recordMs(ms);
    // A second whose last request answered late is sealed now; the others when the next second opens.
    if (--interval.inFlight === 0 && interval !== this.intervals[this.intervals.length - 1]) interval.latency.seal();
    this.#byStatus[outcome.status] = (this.#byStatus[outcome.status] ?? 0) + 1;
    this.#bytes += outcome.bytes ?? 0;
    interval.bytes += outcome.bytes ?? 0;
    const failed = outcome.status === 0 || outcome.status >= 400 || outcome.errorCode !== undefined;
    if (failed) {
      this.#errors++;
      interval.errors++;
      const code = outcome.errorCode ?? `http_${outcome.status}`;
      this.#byErrorCode[code] = (this.#byErrorCode[code] ?? 0) + 1;
      interval.byErrorCode[code] = (interval.byErrorCode[code] ?? 0) + 1;
    } else {
      this.#ok++;
      interval.ok++;
    }
  }

  #interval(intendedAt: number): Interval {
    const second = Math.floor((intendedAt - this.#startedAt) / 1000);
    while (this.intervals.length <= second) {
      const previous = this.intervals[this.intervals.length - 1];
      if (previous && previous.inFlight === 0) previous.latency.seal();
      this.intervals.push({ second: this.intervals.length, sent: 0, ok: 0, errors: 0, bytes: 0, byErrorCode: {}, latency: new IntervalLatency(), inFlight: 0 });
    }
    return this.intervals[second]!;
  }
}
