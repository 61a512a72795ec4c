/**
 * One worker thread of an open-model HTTP scenario (`npm run load -- --workers N`): runs its share
 * of the plan with its own keep-alive sockets and posts what happened (each send and each outcome)
 * to the parent every 100 ms, packed in a Float64Array, so the parent tallies every request
 * exactly as a single-threaded run would: histograms are built from the same values, never
 * averaged. Loaded through drivers/ts-worker.mjs (worker threads do not inherit tsx).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OpenModelRunner, peakRate, type ArrivalPattern, type Outcome } from '../drivers/open-model.ts';
import { warmUpRequestPath } from './generator-warm-up.ts';
import { httpSender, type HttpScenario } from './http-scenarios.ts';
import { LoadClient } from './load-client.ts';

export interface ScenarioWorkerData {
  readonly scenario: HttpScenario;
  readonly target: { origin: string; instances: string[]; host: string; ca?: string | undefined };
  readonly pattern: ArrivalPattern;
  readonly durationMs: number;
  readonly maxInFlight: number;
  readonly sockets: number;
  readonly offsetMs: number;
}

/** Parent → worker: `start` at a wall-clock time shared by every worker, so their seconds line up. */
export type ScenarioWorkerCommand = { readonly type: 'start'; readonly atEpochMs: number } | { readonly type: 'stop' };

/** Worker → parent: `ready` once loaded; then events since the last post; `done` is the last one. */
export type ScenarioWorkerPost = { readonly type: 'ready' } | ScenarioWorkerEvents;

export interface ScenarioWorkerEvents {
  readonly type: 'events' | 'done';
  /** EVENT_FIELDS numbers per event: kind (0 sent, 1 done), second, status (sent: 1 if late), ms, bytes, error code index (-1 none). */
  readonly events: Float64Array;
  /** Error code names; an event's code index points here (the list only grows). */
  readonly codes: readonly string[];
  readonly totals: { planned: number; dropped: number };
}

export const EVENT_FIELDS = 6;
const POST_EVERY_MS = 100;

if (parentPort && (workerData as { scenarioWorker?: boolean } | undefined)?.scenarioWorker) await runWorker(workerData as ScenarioWorkerData);

async function runWorker(data: ScenarioWorkerData): Promise<void> {
  const port = parentPort!;
  const target = {
    origin: new URL(data.target.origin),
    instances: data.target.instances.map((u) => new URL(u)),
    ca: data.target.ca,
    hostOf: () => data.target.host,
  };
  const client = new LoadClient(target, data.sockets);
  const send = httpSender(data.scenario, target, client);
  const codes: string[] = [];
  let events: number[] = [];
  const codeIndex = (code: string | undefined) => {
    if (code === undefined) return -1;
    const known = codes.indexOf(code);
    return known >= 0 ? known : codes.push(code) - 1;
  };
  const observer = {
    sent: (second: number, late: boolean) => void events.push(0, second, late ? 1 : 0, 0, 0, -1),
    done: (second: number, outcome: Outcome, ms: number) => void events.push(1, second, outcome.status, ms, outcome.bytes ?? 0, codeIndex(outcome.errorCode)),
  };
  const runner = new OpenModelRunner({
    pattern: data.pattern,
    durationMs: data.durationMs,
    maxInFlight: data.maxInFlight,
    offsetMs: data.offsetMs,
    observer,
    send: () => send(),
  });
  const post = (type: ScenarioWorkerEvents['type']) => {
    const packed = Float64Array.from(events);
    events = [];
    const { planned, dropped } = runner.counts();
    port.postMessage({ type, events: packed, codes, totals: { planned, dropped } } satisfies ScenarioWorkerEvents, [packed.buffer]);
  };
  const stop = new AbortController();
  const start = new Promise<number>((resolve) =>
    port.on('message', (command: ScenarioWorkerCommand) => (command.type === 'stop' ? stop.abort() : resolve(command.atEpochMs))),
  );
  await warmUpRequestPath(data.scenario, peakRate(data.pattern));
  port.postMessage({ type: 'ready' } satisfies ScenarioWorkerPost);
  const atEpochMs = await start;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, atEpochMs - Date.now())));
  const poster = setInterval(() => post('events'), POST_EVERY_MS);
  await runner.run(stop.signal);
  clearInterval(poster);
  await client.destroy();
  post('done');
  port.close();
}
