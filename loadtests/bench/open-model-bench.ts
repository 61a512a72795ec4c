/**
 * `npm run bench:open-model`: the open-model driver's maximum sustainable rate on this machine,
 * with one worker thread and with several, against the bare backend (so the driver, not the
 * relay, is what saturates). Each step runs the driver `npm run load` uses (WorkerPoolRunner: N
 * worker threads at rate/N, every request tallied in the parent) for --seconds. A rate is
 * sustainable when at least 95% of it was sent, late sends stayed under 1%, nothing was dropped
 * or failed, and p99 stayed under 50 ms (over the whole step; the p99 after its first second, the
 * cold start left out, is reported beside it). Each step also reports the CPU time per request of the
 * driver (this process, every thread) and of the backend, and the rate the machine's cores could
 * carry at those costs: on a machine where driver and backend share few cores, that ceiling,
 * not the driver, bounds what any step can reach.
 * Writes results/open-model-bench-<timestamp>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBenchSim } from './bench-setup.ts';
import { cpuMicros } from './process-cpu.ts';
import { WorkerPoolRunner } from '../run/worker-pool-runner.ts';
import { LatencyHistogram } from '../drivers/latency-histogram.ts';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2' },
    rates: { type: 'string', default: '2000,4000,6000,8000,10000,15000,20000' },
    seconds: { type: 'string', default: '5' },
    // Connections the driver may open. 64, as wrk and autocannon benchmarks use tens: with 512 the
    // start's burst opens hundreds of sockets and the sustainable rate measured half (1 worker:
    // 4,000/s with 512, 10,000/s with 64 in one run).
    sockets: { type: 'string', default: '64' },
    out: { type: 'string', default: fileURLToPath(new URL('../../results', import.meta.url)) },
  },
});
const workerCounts = values.workers.split(',').map(Number);
const rates = values.rates.split(',').map(Number);
const stepSeconds = Number(values.seconds);
const sockets = Number(values.sockets);
const CORES = availableParallelism();
const WARMUP_SECONDS = 2;
const WARMUP_RATE = 2000;
if ([...workerCounts, ...rates, stepSeconds, sockets].some((n) => !Number.isFinite(n) || n <= 0)) {
  process.stderr.write('--workers, --rates, --seconds and --sockets take positive numbers (lists comma-separated)\n');
  process.exit(2);
}

async function step(url: string, backendPid: number | undefined, workers: number, rate: number, seconds = stepSeconds) {
  const runner = new WorkerPoolRunner({
    scenario: { name: 'get', kind: 'get', app: 'backend', path: new URL(url).pathname, share: 1, arrival: { kind: 'constant' } },
    target: { origin: new URL(url), hostOf: () => 'backend' },
    workers,
    pattern: { kind: 'constant', rate },
    durationMs: seconds * 1000,
    maxInFlight: 5000,
    sockets,
  });
  await runner.prepare();
  // CPU per request, of the driver (this process: parent and worker threads) and of the backend.
  const driverBefore = process.cpuUsage();
  const backendBefore = backendPid ? cpuMicros([backendPid]) : null;
  const report = await runner.run();
  const driverCpu = process.cpuUsage(driverBefore);
  const backendAfter = backendPid ? cpuMicros([backendPid]) : null;
  const perRequest = (us: number | null) => (us === null || report.sent === 0 ? null : Math.round(us / report.sent));
  const cpuUsPerRequest = {
    driver: perRequest(driverCpu.user + driverCpu.system),
    backend: perRequest(backendBefore === null || backendAfter === null ? null : backendAfter - backendBefore),
  };
  // What this machine's cores could carry at that CPU per request, driver and backend together.
  const cpuCeiling =
    cpuUsPerRequest.driver === null || cpuUsPerRequest.backend === null ? null : Math.round((CORES * 1e6) / (cpuUsPerRequest.driver + cpuUsPerRequest.backend));
  // The same latencies without the step's first second, which holds the cold start (connections
  // opening, the burst they queue): reported beside the whole step's, never used to judge it.
  const afterFirstSecond = new LatencyHistogram();
  for (const interval of runner.intervals) if (interval.second >= 1) afterFirstSecond.add(interval.latency);
  const result = {
    workers,
    rate,
    achieved: Math.round(report.sent / seconds),
    dropped: report.dropped,
    late: report.late,
    errors: report.errors,
    latencyMs: report.latencyMs,
    p99AfterFirstSecondMs: afterFirstSecond.histogram.totalCount > 0 ? afterFirstSecond.summary().p99 : null,
    cpuUsPerRequest,
    cpuCeiling,
  };
  const sustainable =
    result.achieved >= 0.95 * rate && result.dropped === 0 && result.late <= 0.01 * report.sent && result.errors === 0 && result.latencyMs.p99 < 50;
  process.stderr.write(
    `  ${workers} worker(s) at ${rate}/s: sent ${result.achieved}/s, late ${result.late} (${((100 * result.late) / Math.max(1, report.sent)).toFixed(1)} %), p99 ${result.latencyMs.p99} ms (after the first second ${result.p99AfterFirstSecondMs} ms), CPU µs/request driver ${cpuUsPerRequest.driver} + backend ${cpuUsPerRequest.backend} (ceiling on ${CORES} cores ${cpuCeiling}/s) ${sustainable ? 'ok' : 'NOT sustainable'}\n`,
  );
  return { ...result, sustainable };
}

const cluster = await startBenchSim(1);
try {
  const backend = cluster.view().backends[0]!;
  const url = `${backend.url}/echo`;
  // The backend is a fresh process: warm its JIT (and this machine's loopback) first, unmeasured,
  // so the first step does not measure a cold target (as bench:http warms every target).
  process.stderr.write(`  warm-up: ${WARMUP_SECONDS} s at ${WARMUP_RATE}/s (not measured)\n`);
  await step(url, backend.pid, 1, WARMUP_RATE, WARMUP_SECONDS);
  const steps = [];
  const best: Record<number, number> = {};
  for (const workers of workerCounts) {
    for (const rate of rates) {
      const result = await step(url, backend.pid, workers, rate);
      steps.push(result);
      if (!result.sustainable) break;
      best[workers] = rate;
    }
  }
  const report = { kind: 'open-model-bench', at: new Date().toISOString(), seconds: stepSeconds, sockets, cores: CORES, maxSustainableRate: best, steps };
  await mkdir(values.out, { recursive: true });
  const file = `${values.out}/open-model-bench-${report.at.replace(/[:.]/g, '-')}.json`;
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  for (const workers of workerCounts) console.log(`max sustainable rate with ${workers} worker thread(s): ${best[workers] ?? `below ${rates[0]}`}/s`);
  console.log(`written to ${file}`);
} finally {
  await cluster.close();
}
