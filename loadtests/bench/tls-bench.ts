/**
 * `npm run bench:tls`: what topology `tls: on` costs. Closed-loop autocannon GETs, in one run:
 *   1. direct to the backend (the machine's baseline),
 *   2. through the relay with `tls: off` (plain HTTP for users, plain TCP and a bearer token to connectors),
 *   3. through the relay with `tls: on` (HTTPS for users, mutual TLS on every connector link).
 * Each sim runs alone, one after the other. Prints req/s, p50, p99 and the on/off ratio, and
 * writes results/bench-tls-<timestamp>.json. Only ratios are meaningful on a shared machine.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureClosedLoop, positiveIntegers, startBenchSim, type ClosedLoopFigures } from './bench-setup.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    connectors: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '2' },
    out: { type: 'string', default: fileURLToPath(new URL('../../results', import.meta.url)) },
  },
});
const { duration, connections, connectors, rounds } = positiveIntegers({
  duration: values.duration,
  connections: values.connections,
  connectors: values.connectors,
  rounds: values.rounds,
});

const measure = (name: string, url: string, host?: string) => measureClosedLoop(name, url, { connections, durationS: duration, ...(host ? { host } : {}) });

async function throughRelay(tls: 'on' | 'off', round: number): Promise<{ relay: ClosedLoopFigures; direct: ClosedLoopFigures }> {
  process.stderr.write(`round ${round}: starting the sim with tls ${tls} (1 relay, ${connectors} connector(s), 1 backend)...\n`);
  const cluster = await startBenchSim(connectors, tls);
  try {
    const view = cluster.view();
    const direct = await measure(`direct (round ${round}, tls ${tls} sim)`, `${view.backends[0]!.url}/echo`);
    const relay = await measure(`relay tls ${tls} (round ${round})`, `${view.relays[0]!.publicUrl}/echo`, new URL(view.apps[0]!.externalUrl).host);
    return { relay, direct };
  } finally {
    await cluster.close();
  }
}

// Alternating off/on rounds, so drift on a shared machine hits both settings alike.
const runs: ClosedLoopFigures[] = [];
const off: number[] = [];
const on: number[] = [];
const direct: number[] = [];
for (let round = 1; round <= rounds; round++) {
  for (const tls of ['off', 'on'] as const) {
    const figures = await throughRelay(tls, round);
    runs.push(figures.direct, figures.relay);
    direct.push(figures.direct.requestsPerSec);
    (tls === 'on' ? on : off).push(figures.relay.requestsPerSec);
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const report = {
  kind: 'tls-bench',
  at: new Date().toISOString(),
  options: { duration, connections, connectors, rounds, path: '/echo' },
  machine: { cpus: cpus().length, node: process.version },
  runs,
  ratios: {
    tlsOnToOff: Number((mean(on) / mean(off)).toFixed(3)),
    tlsOffToDirect: Number((mean(off) / mean(direct)).toFixed(3)),
    tlsOnToDirect: Number((mean(on) / mean(direct)).toFixed(3)),
  },
};
await mkdir(values.out, { recursive: true });
const file = `${values.out}/bench-tls-${report.at.replace(/[:.]/g, '-')}.json`;
await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\n${'run'.padEnd(34)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}`);
for (const f of runs)
  console.log(`${f.name.padEnd(34)} ${f.requestsPerSec.toFixed(0).padStart(8)} ${String(f.p50Ms).padStart(7)} ${String(f.p99Ms).padStart(7)}`);
console.log(
  `\nGET throughput, tls on / tls off: ${report.ratios.tlsOnToOff}   (off/direct ${report.ratios.tlsOffToDirect}, on/direct ${report.ratios.tlsOnToDirect})`,
);
console.log(`written to ${file}`);
const failed = runs.filter((f) => f.non2xx > 0 || f.errors > 0);
if (failed.length > 0) {
  console.error(`errors during the run: ${failed.map((f) => `${f.name} non2xx=${f.non2xx} errors=${f.errors}`).join(', ')}`);
  process.exitCode = 1;
}
