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

/** One second of the run, for timelines (throughput, errors and latency around faults). */
export interface Interval {
  readonly second: number;
  sent: number;
  /** Of those, sent over `lateAfterMs` behind their plan time. */
  late: number;
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

/**
 * The counts of an open-model scenario: totals, one latency histogram for the run, and a
 * timeline of seconds. Fed by the runner in this thread, or by the events worker threads post
 * (worker-pool-runner.ts), through the same two calls, so both tally alike.
 */
export class RunTally {
  readonly latency = new LatencyHistogram();
  readonly intervals: Interval[] = [];
  planned = 0;
  dropped = 0;
  late = 0;
  #sent = 0;
  #ok = 0;
  #errors = 0;
  #bytes = 0;
  readonly #byStatus: Record<string, number> = {};
  readonly #byErrorCode: Record<string, number> = {};

  /** A request of second `second` went out (`late`: behind its plan time). */
  sent(second: number, late: boolean): void {
    const interval = this.interval(second);
    this.#sent++;
    interval.sent++;
    interval.inFlight++;
    if (late) {
      this.late++;
      interval.late++;
    }
  }

  /** A request of second `second` ended as `outcome`, `ms` after its plan time. */
  record(second: number, outcome: Outcome, ms: number): void {
    const interval = this.interval(second);
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

  /** Second `second` of the timeline, opening it (and every second before it) if need be. */
  interval(second: number): Interval {
    while (this.intervals.length <= second) {
      const previous = this.intervals[this.intervals.length - 1];
      if (previous && previous.inFlight === 0) previous.latency.seal();
      this.intervals.push({
        second: this.intervals.length,
        sent: 0,
        late: 0,
        ok: 0,
        errors: 0,
        bytes: 0,
        byErrorCode: {},
        latency: new IntervalLatency(),
        inFlight: 0,
      });
    }
    return this.intervals[second]!;
  }

  report(): OpenModelReport {
    return {
      planned: this.planned,
      sent: this.#sent,
      ok: this.#ok,
      errors: this.#errors,
      dropped: this.dropped,
      late: this.late,
      byStatus: { ...this.#byStatus },
      byErrorCode: { ...this.#byErrorCode },
      bytes: this.#bytes,
      latencyMs: this.latency.summary(),
    };
  }
}
