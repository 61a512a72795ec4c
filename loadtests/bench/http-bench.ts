/**
 * `npm run bench`: closed-loop autocannon on a small GET, in one run and on the same machine:
 *   1. direct to the backend (the baseline),
 *   2. through a naive chain of two Node http proxies (what a two-hop relay costs done naively),
 *   3. through relay-sim's relay and connector.
 * Prints req/s, p50, p99 and each ratio to direct, and writes results/bench-<timestamp>.json.
 * Only the ratios are meaningful on a shared, noisy machine.
 */
import { fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureClosedLoop, positiveIntegers, startBenchSim, type ClosedLoopFigures } from './bench-setup.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    connectors: { type: 'string', default: '1' },
    out: { type: 'string', default: fileURLToPath(new URL('../../results', import.meta.url)) },
  },
});
const { duration, connections, connectors } = positiveIntegers({ duration: values.duration, connections: values.connections, connectors: values.connectors });

const measure = (name: string, url: string, host?: string) => measureClosedLoop(name, url, { connections, durationS: duration, ...(host ? { host } : {}) });

async function startNaiveProxy(upstream: string): Promise<{ origin: string; stop: () => void }> {
  const child = fork(fileURLToPath(new URL('./naive-proxy.ts', import.meta.url)), [upstream], {
    execArgv: ['--import', import.meta.resolve('tsx')],
  });
  const [message] = (await once(child, 'message')) as [{ port: number }];
  return { origin: `http://127.0.0.1:${message.port}`, stop: () => child.kill() };
}

process.stderr.write(`starting the sim (1 relay, ${connectors} connector(s), 1 backend)...\n`);
const cluster = await startBenchSim(connectors);
const view = cluster.view();
const backend = view.backends[0]!.url;
const hop2 = await startNaiveProxy(backend);
const hop1 = await startNaiveProxy(hop2.origin);
try {
  const direct = await measure('direct', `${backend}/echo`);
  const naive = await measure('naive-2-hop', `${hop1.origin}/echo`);
  const relay = await measure('relay', `${view.relays[0]!.publicUrl}/echo`, new URL(view.apps[0]!.externalUrl).host);
  const ratio = (f: ClosedLoopFigures) => Number((f.requestsPerSec / direct.requestsPerSec).toFixed(3));
  const report = {
    kind: 'http-bench',
    at: new Date().toISOString(),
    options: { duration, connections, connectors, path: '/echo' },
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    runs: [direct, naive, relay],
    ratios: { naiveToDirect: ratio(naive), relayToDirect: ratio(relay), relayToNaive: Number((relay.requestsPerSec / naive.requestsPerSec).toFixed(3)) },
  };
  await mkdir(values.out, { recursive: true });
  const file = `${values.out}/bench-${report.at.replace(/[:.]/g, '-')}.json`;
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${'run'.padEnd(12)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}  ratio`);
  for (const f of report.runs) {
    console.log(`${f.name.padEnd(12)} ${f.requestsPerSec.toFixed(0).padStart(8)} ${String(f.p50Ms).padStart(7)} ${String(f.p99Ms).padStart(7)}  ${ratio(f)}`);
  }
  console.log(`\nrelay/naive: ${report.ratios.relayToNaive}   written to ${file}`);
  const failed = report.runs.filter((f) => f.non2xx > 0 || f.errors > 0);
  if (failed.length > 0) {
    console.error(`errors during the run: ${failed.map((f) => `${f.name} non2xx=${f.non2xx} errors=${f.errors}`).join(', ')}`);
    process.exitCode = 1;
  }
} finally {
  hop1.stop();
  hop2.stop();
  await cluster.close();
}
