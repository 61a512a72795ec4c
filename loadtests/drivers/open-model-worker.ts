/**
 * One worker thread of a multi-threaded open-model run: drives `rate` GETs/s at `url` for
 * `durationMs` and posts its report with its latency histogram encoded, for the parent to merge.
 * Loaded through ts-worker.mjs (worker threads do not inherit tsx).
 */
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { OpenModelRunner } from './open-model.ts';

export interface OpenModelWorkerData {
  readonly url: string;
  readonly host: string;
  readonly rate: number;
  readonly durationMs: number;
}

const data = workerData as OpenModelWorkerData & { module: string };
const target = new URL(data.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
const runner = new OpenModelRunner({
  pattern: { kind: 'constant', rate: data.rate },
  durationMs: data.durationMs,
  maxInFlight: 5000,
  send: () =>
    new Promise((resolve, reject) => {
      const req = http.get({ hostname: target.hostname, port: target.port, path: target.pathname, agent, headers: { host: data.host } }, (res) => {
        res.resume();
        res.once('end', () => resolve({ status: res.statusCode ?? 0 }));
      });
      req.once('error', reject);
    }),
});
const report = await runner.run();
agent.destroy();
parentPort!.postMessage({ report, histogram: runner.latency.encode() });
