/**
 * `npm run bench:open-model`: the open-model driver's maximum sustainable rate on this machine,
 * with one worker thread and with several, against the bare backend (so the driver, not the
 * relay, is what saturates). Each step runs N worker threads at rate/N for --seconds and merges
 * their HDR histograms. A rate is sustainable when at least 95% of it was sent on time (late
 * sends under 1%), nothing was dropped, and p99 stayed under 100 ms.
 * Writes results/open-model-bench-<timestamp>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { startBenchSim } from './bench-setup.ts';
import { LatencyHistogram } from '../drivers/latency-histogram.ts';
import type { OpenModelReport } from '../drivers/open-model.ts';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2' },
    rates: { type: 'string', default: '2000,4000,6000,8000,10000' },
    seconds: { type: 'string', default: '5' },
    out: { type: 'string', default: fileURLToPath(new URL('../../results', import.meta.url)) },
  },
});
const workerCounts = values.workers.split(',').map(Number);
const rates = values.rates.split(',').map(Number);
const seconds = Number(values.seconds);
if ([...workerCounts, ...rates, seconds].some((n) => !Number.isFinite(n) || n <= 0)) {
  process.stderr.write('--workers, --rates and --seconds take positive numbers (lists comma-separated)\n');
  process.exit(2);
}

const BOOTSTRAP = new URL('../drivers/ts-worker.mjs', import.meta.url);
const WORKER = new URL('../drivers/open-model-worker.ts', import.meta.url).href;

function runWorker(url: string, rate: number): Promise<{ report: OpenModelReport; histogram: string }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP, { workerData: { module: WORKER, url, host: 'backend', rate, durationMs: seconds * 1000 } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

async function step(url: string, workers: number, rate: number) {
  const parts = await Promise.all(Array.from({ length: workers }, () => runWorker(url, rate / workers)));
  const latency = new LatencyHistogram();
  for (const part of parts) latency.add(LatencyHistogram.decode(part.histogram));
  const sum = (pick: (r: OpenModelReport) => number) => parts.reduce((n, p) => n + pick(p.report), 0);
  const sent = sum((r) => r.sent);
  const result = {
    workers,
    rate,
    achieved: Math.round(sent / seconds),
    dropped: sum((r) => r.dropped),
    late: sum((r) => r.late),
    errors: sum((r) => r.errors),
    latencyMs: latency.summary(),
  };
  const sustainable = result.achieved >= 0.95 * rate && result.dropped === 0 && result.late <= 0.01 * sent && result.errors === 0 && result.latencyMs.p99 < 100;
  process.stderr.write(
    `  ${workers} worker(s) at ${rate}/s: sent ${result.achieved}/s, late ${result.late}, p99 ${result.latencyMs.p99} ms ${sustainable ? 'ok' : 'NOT sustainable'}\n`,
  );
  return { ...result, sustainable };
}

const cluster = await startBenchSim(1);
try {
  const url = `${cluster.view().backends[0]!.url}/echo`;
  const steps = [];
  const best: Record<number, number> = {};
  for (const workers of workerCounts) {
    for (const rate of rates) {
      const result = await step(url, workers, rate);
      steps.push(result);
      if (!result.sustainable) break;
      best[workers] = rate;
    }
  }
  const report = { kind: 'open-model-bench', at: new Date().toISOString(), seconds, maxSustainableRate: best, steps };
  await mkdir(values.out, { recursive: true });
  const file = `${values.out}/open-model-bench-${report.at.replace(/[:.]/g, '-')}.json`;
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  for (const workers of workerCounts) console.log(`max sustainable rate with ${workers} worker thread(s): ${best[workers] ?? `below ${rates[0]}`}/s`);
  console.log(`written to ${file}`);
} finally {
  await cluster.close();
}
