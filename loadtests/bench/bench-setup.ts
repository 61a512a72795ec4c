import autocannon from 'autocannon';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuMicros } from './process-cpu.ts';
import { scrape } from '../run/prom-text.ts';
import { SimCluster } from '../../sim/cluster/sim-cluster.ts';
import { parseTopology } from '../../sim/cluster/topology.ts';

/** The median of a list (the mean of the middle two for an even count): benchmarks report medians of rounds. */
export function median(list: readonly number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Whole-number benchmark options, validated once; bad input exits 2 naming the option. */
export function positiveIntegers<K extends string>(values: Record<K, string>): Record<K, number> {
  const parsed = {} as Record<K, number>;
  for (const name of Object.keys(values) as K[]) {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1) {
      process.stderr.write(`--${name} must be a positive whole number, got ${values[name]}\n`);
      process.exit(2);
    }
    parsed[name] = value;
  }
  return parsed;
}

/** The benchmarks' system under test: 1 relay, one group of `connectors`, app `echo`, 1 backend. */
export async function startBenchSim(connectors: number, tls: 'on' | 'off' = 'off', linkFaults = true): Promise<SimCluster> {
  const topology = parseTopology({ tls, linkFaults, groups: [{ name: 'default', connectors }], apps: [{ name: 'echo', group: 'default' }] }, 'bench');
  const cluster = new SimCluster(topology, { basePort: 0, logLevel: 'error' });
  await cluster.start();
  return cluster;
}

const BASELINE_READY_MS = 30_000;

/**
 * A benchmark baseline script of this folder in its own process; resolves once it says `{ port }`,
 * rejects if it exits first or stays silent for BASELINE_READY_MS.
 */
async function startBaseline(script: string, args: string[]): Promise<{ origin: string; pid: number; stop: () => void }> {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, { execArgv: ['--import', import.meta.resolve('tsx')] });
  const message = await new Promise<{ port: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${script} ${args.join(' ')} was not ready within ${BASELINE_READY_MS} ms`));
    }, BASELINE_READY_MS);
    child.once('message', (ready: { port: number }) => {
      clearTimeout(timer);
      resolve(ready);
    });
    // After `message` this is the normal end of the process: rejecting a settled promise does nothing.
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} ${args.join(' ')} exited (${code}) before it was ready`));
    });
  });
  return { origin: `http://127.0.0.1:${message.port}`, pid: child.pid!, stop: () => child.kill() };
}

/** One hop of the naive baseline (naive-proxy.ts) in its own process, forwarding to `upstream`. */
export function startNaiveProxy(upstream: string): Promise<{ origin: string; pid: number; stop: () => void }> {
  return startBaseline('./naive-proxy.ts', [upstream]);
}

/** The minimal relay (minimal-relay.ts): its edge and its far end, dialled out to the edge, in two processes. */
export async function startMinimalRelay(backend: string): Promise<{ origin: string; pids: number[]; stop: () => void }> {
  const edge = await startBaseline('./minimal-relay.ts', ['edge']);
  const far = await startBaseline('./minimal-relay.ts', ['far', edge.origin.replace(/^http/, 'ws'), backend]).catch((err: unknown) => {
    edge.stop();
    throw err;
  });
  const stop = () => {
    far.stop();
    edge.stop();
  };
  return { origin: edge.origin, pids: [edge.pid, far.pid], stop };
}

/** One closed-loop autocannon measurement. */
export interface ClosedLoopFigures {
  name: string;
  requestsPerSec: number;
  /** Null when the client did not report it. */
  p50Ms: number | null;
  p99Ms: number | null;
  non2xx: number;
  errors: number;
  /** CPU time the target's own processes (`pids`) spent per request; null when none were given or /proc is absent. */
  cpuUsPerRequest?: number | null;
}

/** JIT warm-up before every measured run, so no target is measured cold. */
const WARMUP_SECONDS = 2;

/**
 * Closed-loop GETs on `url` after a warm-up, with `host` as the Host header. For https, autocannon
 * does not verify certificates (loopback only) and SNI names the app as a browser would.
 */
export async function measureClosedLoop(
  name: string,
  url: string,
  options: { connections: number; durationS: number; host?: string; pids?: readonly number[] },
): Promise<ClosedLoopFigures> {
  const { connections, durationS, host, pids = [] } = options;
  process.stderr.write(`  ${name}: warm-up ${WARMUP_SECONDS} s, then ${connections} connections for ${durationS} s ...\n`);
  const target = { url, connections, headers: host ? { host } : {}, ...(url.startsWith('https:') && host ? { servername: host.replace(/:\d+$/, '') } : {}) };
  await autocannon({ ...target, duration: WARMUP_SECONDS });
  const cpuBefore = pids.length > 0 ? cpuMicros(pids) : null;
  const result = await autocannon({ ...target, duration: durationS });
  const cpuAfter = pids.length > 0 ? cpuMicros(pids) : null;
  const figures = {
    name,
    requestsPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    cpuUsPerRequest: cpuBefore !== null && cpuAfter !== null && result.requests.total > 0 ? Math.round((cpuAfter - cpuBefore) / result.requests.total) : null,
  };
  process.stderr.write(`    ${figures.requestsPerSec.toFixed(0)} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms\n`);
  return figures;
}

/** Garbage-collection pauses of processes, from their /metrics (prom-client's nodejs_gc_duration_seconds). */
export interface GcPauses {
  readonly count: number;
  readonly seconds: number;
  /** Pauses over 1 ms (the histogram's first bucket bound): the ones that can show in a sub-ms RTT's tail. */
  readonly over1ms: number;
}

/** Sums GC pauses so far over every kind and every process in `metricsUrls`; subtract two to get a window. */
export async function gcPauses(metricsUrls: readonly string[]): Promise<GcPauses> {
  let count = 0;
  let seconds = 0;
  let upTo1ms = 0;
  for (const url of metricsUrls) {
    for (const s of await scrape(url)) {
      if (s.name === 'nodejs_gc_duration_seconds_count') count += s.value;
      else if (s.name === 'nodejs_gc_duration_seconds_sum') seconds += s.value;
      else if (s.name === 'nodejs_gc_duration_seconds_bucket' && s.labels['le'] === '0.001') upTo1ms += s.value;
    }
  }
  return { count, seconds, over1ms: count - upTo1ms };
}
