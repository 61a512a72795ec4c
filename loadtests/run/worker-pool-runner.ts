import { Worker } from 'node:worker_threads';
import type { LatencyHistogram } from '../drivers/latency-histogram.ts';
import type { ArrivalPattern, Interval, OpenModelReport, Outcome, ScenarioRunner } from '../drivers/open-model.ts';
import { RunTally } from '../drivers/run-tally.ts';
import type { HttpScenario, LoadTarget } from './http-scenarios.ts';
import { EVENT_FIELDS, type ScenarioWorkerCommand, type ScenarioWorkerData, type ScenarioWorkerEvents, type ScenarioWorkerPost } from './scenario-worker.ts';

const BOOTSTRAP = new URL('../drivers/ts-worker.mjs', import.meta.url);
const WORKER_MODULE = new URL('./scenario-worker.ts', import.meta.url).href;
/** From `start` to the shared first send: room for the message to reach every worker. */
const START_MARGIN_MS = 20;

export interface WorkerPoolOptions {
  readonly scenario: HttpScenario;
  readonly target: LoadTarget;
  readonly workers: number;
  readonly pattern: ArrivalPattern;
  readonly durationMs: number;
  readonly maxInFlight: number;
  /** Every arrival this much later (ms): a segment of a distributed run interleaves with the others. */
  readonly offsetMs?: number;
  readonly sockets: number;
  /** Told of each outcome as the parent tallies it (the load generator's Prometheus metrics). */
  readonly onOutcome?: (outcome: Outcome, ms: number) => void;
  /** Told how many more arrivals the workers dropped at their in-flight caps since the last post. */
  readonly onDrops?: (count: number) => void;
}

/**
 * An open-model scenario spread over worker threads, with the surface of OpenModelRunner (run,
 * report, latency, intervals). Each worker runs 1/N of the plan (a constant plan interleaved by
 * offsets, Poisson plans as independent streams, which sum to the same process) on its own
 * sockets; every send and outcome comes back as an event and is tallied here, so the run-wide
 * and per-second histograms hold every request, as one thread would have recorded them.
 */
export class WorkerPoolRunner implements ScenarioRunner {
  readonly #tally = new RunTally();
  readonly #options: WorkerPoolOptions;
  readonly #totals: ScenarioWorkerEvents['totals'][] = [];
  #ready: Promise<{ worker: Worker; done: Promise<void> }[]> | undefined;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  get latency(): LatencyHistogram {
    return this.#tally.latency;
  }

  get intervals(): Interval[] {
    return this.#tally.intervals;
  }

  /** Starts the workers and resolves once every one has loaded and is ready to send. */
  prepare(): Promise<void> {
    this.#ready ??= this.#spawn();
    return this.#ready.then(() => undefined);
  }

  async run(signal?: AbortSignal): Promise<OpenModelReport> {
    const workers = await (this.#ready ??= this.#spawn());
    const stop = () => workers.forEach((w) => w.worker.postMessage({ type: 'stop' } satisfies ScenarioWorkerCommand));
    signal?.addEventListener('abort', stop, { once: true });
    const atEpochMs = Date.now() + START_MARGIN_MS;
    for (const w of workers) w.worker.postMessage({ type: 'start', atEpochMs } satisfies ScenarioWorkerCommand);
    if (signal?.aborted) stop(); // stopped before it began (Ctrl-C while the workers loaded)
    try {
      await Promise.all(workers.map((w) => w.done));
    } finally {
      signal?.removeEventListener('abort', stop);
    }
    return this.report();
  }

  report(): OpenModelReport {
    return this.#tally.report();
  }

  async #spawn(): Promise<{ worker: Worker; done: Promise<void> }[]> {
    const { workers, pattern, target, scenario } = this.#options;
    const share = (rate: number) => rate / workers;
    const slice: ArrivalPattern =
      pattern.kind === 'ramp' ? { ...pattern, from: share(pattern.from), to: share(pattern.to) } : { ...pattern, rate: share(pattern.rate) };
    const started = Array.from({ length: workers }, (_, index) => {
      const data: ScenarioWorkerData & { scenarioWorker: true; module: string } = {
        module: WORKER_MODULE,
        scenarioWorker: true,
        scenario,
        target: { origin: target.origin.href, instances: (target.instances ?? []).map((u) => u.href), host: target.hostOf(scenario.app), ca: target.ca },
        pattern: slice,
        durationMs: this.#options.durationMs,
        maxInFlight: Math.ceil(this.#options.maxInFlight / workers),
        sockets: Math.max(1, Math.ceil(this.#options.sockets / workers)),
        // Constant plans interleave: worker k sends k/N of a gap after worker 0 (and after the segment's own offset).
        offsetMs: pattern.kind === 'constant' ? (this.#options.offsetMs ?? 0) + (index * 1000) / pattern.rate : 0,
      };
      return this.#startWorker(index, data);
    });
    return Promise.all(started);
  }

  /** Resolves with the worker once it is ready; its `done` settles when it has posted its last events and exited. */
  #startWorker(index: number, data: ScenarioWorkerData): Promise<{ worker: Worker; done: Promise<void> }> {
    const worker = new Worker(BOOTSTRAP, { workerData: data });
    return new Promise((resolveReady, rejectReady) => {
      const done = new Promise<void>((resolve, reject) => {
        worker.on('message', (post: ScenarioWorkerPost) => {
          if (post.type === 'ready') return resolveReady({ worker, done });
          this.#apply(index, post);
          if (post.type === 'done') resolve();
        });
        const fail = (err: Error) => {
          rejectReady(err);
          reject(err);
        };
        worker.once('error', fail);
        worker.once('exit', (code) => (code === 0 ? resolve() : fail(new Error(`load worker ${index} exited with code ${code}`))));
      });
      done.catch(() => undefined); // reported through the ready or run promise
    });
  }

  #apply(index: number, post: ScenarioWorkerEvents): void {
    const tally = this.#tally;
    const e = post.events;
    for (let i = 0; i < e.length; i += EVENT_FIELDS) {
      const second = e[i + 1]!;
      if (e[i] === 0) {
        tally.sent(second, e[i + 2] === 1);
        continue;
      }
      const code = e[i + 5]!;
      const outcome: Outcome = { status: e[i + 2]!, bytes: e[i + 4]!, ...(code >= 0 ? { errorCode: post.codes[code]! } : {}) };
      tally.record(second, outcome, e[i + 3]!);
      this.#options.onOutcome?.(outcome, e[i + 3]!);
    }
    this.#totals[index] = post.totals;
    tally.planned = this.#totals.reduce((n, t) => n + t.planned, 0);
    const dropped = this.#totals.reduce((n, t) => n + t.dropped, 0);
    if (dropped > tally.dropped) this.#options.onDrops?.(dropped - tally.dropped);
    tally.dropped = dropped;
  }
}
