import { performance } from 'node:perf_hooks';
import type { LatencyHistogram } from './latency-histogram.ts';
import { RunTally, type Interval, type OpenModelReport, type Outcome } from './run-tally.ts';

export type { Interval, OpenModelReport, Outcome } from './run-tally.ts';

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
  /** Shifts every arrival this much later (ms): worker threads sharing a constant plan interleave. */
  readonly offsetMs?: number;
  /**
   * Takes each send and each outcome in place of this runner's own tally (a worker thread posts
   * them to the parent's, which records them once); the runner then counts only planned and dropped.
   */
  readonly observer?: { sent(second: number, late: boolean): void; done(second: number, outcome: Outcome, ms: number): void };
  /** Readies the request path before the clock starts (prepare()): a cold generator measures its own JIT. */
  readonly warmUp?: () => Promise<void>;
}

/** The highest rate a pattern asks for (arrivals/s). */
export function peakRate(pattern: ArrivalPattern): number {
  return pattern.kind === 'ramp' ? Math.max(pattern.from, pattern.to) : pattern.rate;
}

const TICK_MS = 2;

/** An open-model scenario as a run drives it: in this thread (OpenModelRunner) or in worker threads (WorkerPoolRunner). */
export interface ScenarioRunner {
  readonly latency: LatencyHistogram;
  readonly intervals: Interval[];
  /** Gets ready to send at once when run() is called (worker threads load their code). */
  prepare?(): Promise<void>;
  run(signal?: AbortSignal): Promise<OpenModelReport>;
  report(): OpenModelReport;
}

/**
 * An open-model load generator: a plan clock schedules arrivals (constant, ramping or Poisson) and
 * never waits for responses. Latency is measured from each request's intended send time, so a
 * stall shows up in full instead of being hidden by coordinated omission. Late sends and drops
 * are counted. The run is bounded by `durationMs` and stops by itself.
 */
export class OpenModelRunner implements ScenarioRunner {
  readonly #tally = new RunTally();
  readonly #options: OpenModelOptions;
  #inFlight = 0;
  #startedAt = 0;

  constructor(options: OpenModelOptions) {
    this.#options = options;
  }

  get latency(): LatencyHistogram {
    return this.#tally.latency;
  }

  get intervals(): Interval[] {
    return this.#tally.intervals;
  }

  async prepare(): Promise<void> {
    await this.#options.warmUp?.();
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
    return this.#tally.report();
  }

  /** Arrivals planned so far, and those dropped at the in-flight cap (cheap: no percentiles). */
  counts(): { planned: number; dropped: number } {
    return { planned: this.#tally.planned, dropped: this.#tally.dropped };
  }

  /** Plan times (performance.now() ms) of every arrival in the run, in order. */
  *#arrivals(): Generator<number> {
    const { pattern, durationMs } = this.#options;
    const random = this.#options.random ?? Math.random;
    let t = this.#options.offsetMs ?? 0;
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
    const tally = this.#tally;
    tally.planned++;
    const second = Math.floor((intendedAt - this.#startedAt) / 1000);
    const observer = this.#options.observer;
    if (!observer) tally.interval(second);
    if (this.#inFlight >= this.#options.maxInFlight) {
      tally.dropped++;
      this.#options.onDrop?.();
      return undefined;
    }
    const late = performance.now() - intendedAt > (this.#options.lateAfterMs ?? 10);
    this.#inFlight++;
    if (observer) observer.sent(second, late);
    else tally.sent(second, late);
    return this.#options.send(intendedAt).then(
      (outcome) => this.#record(second, outcome, intendedAt),
      (err: NodeJS.ErrnoException) => this.#record(second, { status: 0, errorCode: err.code ?? 'error' }, intendedAt),
    );
  }

  #record(second: number, outcome: Outcome, intendedAt: number): void {
    this.#inFlight--;
    const ms = performance.now() - intendedAt;
    const observer = this.#options.observer;
    if (observer) observer.done(second, outcome, ms);
    else this.#tally.record(second, outcome, ms);
  }
}
