/**
 * `npm run bench:http`: closed-loop GETs on a small response, in one run and on the same machine:
 *   1. direct to the backend (the baseline),
 *   2. through a naive chain of two Node http proxies (what a two-hop relay costs done naively),
 *   3. through the minimal relay (minimal-relay.ts: App Proxy's shape, one control WebSocket and
 *      JSON messages, none of relay-sim's machinery): the floor of the architecture on this machine,
 *   4. through relay-sim's relay and connector.
 * Each round measures all four with autocannon, then again with wrk (Debian's, an independent C
 * client) where installed. Prints req/s, p50, p99, the CPU each target's own processes spent per
 * request, each round's ratios and their median over rounds, and writes results/bench-<timestamp>.json.
 * Only ratios are meaningful on a shared, noisy machine; CPU per request is the steadiest figure.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureClosedLoop, median, positiveIntegers, startBenchSim, startMinimalRelay, startNaiveProxy, type ClosedLoopFigures } from './bench-setup.ts';
import { measureWrk, wrkInstalled } from './wrk-client.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    connectors: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    // off: connectors dial the relay directly (topology linkFaults: false), without the fault proxy's cost.
    'link-faults': { type: 'string', default: 'on' },
    out: { type: 'string', default: fileURLToPath(new URL('../../results', import.meta.url)) },
  },
});
const { duration, connections, connectors, rounds } = positiveIntegers({
  duration: values.duration,
  connections: values.connections,
  connectors: values.connectors,
  rounds: values.rounds,
});

interface Target {
  readonly name: 'direct' | 'naive-2-hop' | 'minimal-relay' | 'relay';
  readonly url: string;
  readonly host?: string;
  /** The target's own processes (the backend is common to all and not counted). */
  readonly pids: readonly number[];
}

/** One round's throughput ratios: relay and naive chain to direct, relay and minimal relay to naive, relay to minimal. */
function ratios(runs: readonly ClosedLoopFigures[]) {
  const rate = (name: Target['name']) => runs.find((f) => f.name === name)!.requestsPerSec;
  const [direct, naive, minimal, relay] = [rate('direct'), rate('naive-2-hop'), rate('minimal-relay'), rate('relay')];
  const r = (a: number, b: number) => Number((a / b).toFixed(3));
  return {
    naiveToDirect: r(naive, direct),
    relayToDirect: r(relay, direct),
    relayToNaive: r(relay, naive),
    minimalToNaive: r(minimal, naive),
    relayToMinimal: r(relay, minimal),
  };
}
type Ratios = ReturnType<typeof ratios>;

function medianRatios(perRound: readonly Ratios[]): Ratios | null {
  if (perRound.length === 0) return null;
  const keys = Object.keys(perRound[0]!) as (keyof Ratios)[];
  return Object.fromEntries(keys.map((key) => [key, Number(median(perRound.map((r) => r[key])).toFixed(3))])) as Ratios;
}

function printRound(client: string, round: number, runs: readonly ClosedLoopFigures[]): void {
  console.log(`\nround ${round}, ${client}`);
  console.log(`${'run'.padEnd(12)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'CPU µs/req'.padStart(11)}`);
  for (const f of runs) {
    const cpu = f.cpuUsPerRequest === undefined || f.cpuUsPerRequest === null ? '-' : String(f.cpuUsPerRequest);
    console.log(
      `${f.name.padEnd(12)} ${f.requestsPerSec.toFixed(0).padStart(8)} ${String(f.p50Ms).padStart(7)} ${String(f.p99Ms).padStart(7)} ${cpu.padStart(11)}`,
    );
  }
  const r = ratios(runs);
  console.log(
    `relay/naive ${r.relayToNaive}   relay/direct ${r.relayToDirect}   naive/direct ${r.naiveToDirect}   minimal/naive ${r.minimalToNaive}   relay/minimal ${r.relayToMinimal}`,
  );
}

process.stderr.write(`starting the sim (1 relay, ${connectors} connector(s), 1 backend, link faults ${values['link-faults']})...\n`);
if (!['on', 'off'].includes(values['link-faults'])) {
  process.stderr.write(`--link-faults takes on or off; got ${values['link-faults']}\n`);
  process.exit(2);
}
const linkFaults = values['link-faults'] === 'on';
const cluster = await startBenchSim(connectors, 'off', linkFaults);
const view = cluster.view();
const backend = view.backends[0]!.url;
const hop2 = await startNaiveProxy(backend);
const hop1 = await startNaiveProxy(hop2.origin);
const minimal = await startMinimalRelay(backend);
const withWrk = await wrkInstalled();
if (!withWrk) process.stderr.write('wrk is not installed (apt-get install wrk): autocannon figures only\n');
try {
  const targets: Target[] = [
    { name: 'direct', url: `${backend}/echo`, pids: [] },
    { name: 'naive-2-hop', url: `${hop1.origin}/echo`, pids: [hop1.pid, hop2.pid] },
    { name: 'minimal-relay', url: `${minimal.origin}/echo`, pids: minimal.pids },
    {
      name: 'relay',
      url: `${view.relays[0]!.publicUrl}/echo`,
      host: new URL(view.apps[0]!.externalUrl).host,
      pids: [...view.relays, ...view.connectors].map((p) => p.pid!),
    },
  ];
  const autocannonRounds: ClosedLoopFigures[][] = [];
  const wrkRounds: ClosedLoopFigures[][] = [];
  for (let round = 1; round <= rounds; round++) {
    const options = { connections, durationS: duration };
    const viaAutocannon: ClosedLoopFigures[] = [];
    for (const t of targets) viaAutocannon.push(await measureClosedLoop(t.name, t.url, { ...options, pids: t.pids, ...(t.host ? { host: t.host } : {}) }));
    autocannonRounds.push(viaAutocannon);
    if (withWrk) {
      const viaWrk: ClosedLoopFigures[] = [];
      for (const t of targets) viaWrk.push(await measureWrk(t.name, t.url, { ...options, ...(t.host ? { host: t.host } : {}) }));
      wrkRounds.push(viaWrk);
    }
  }
  const cpuMedian = (name: Target['name']) => {
    const values = autocannonRounds.flatMap((runs) =>
      runs.filter((f) => f.name === name && typeof f.cpuUsPerRequest === 'number').map((f) => f.cpuUsPerRequest!),
    );
    return values.length > 0 ? median(values) : null;
  };
  const report = {
    kind: 'http-bench',
    at: new Date().toISOString(),
    options: { duration, connections, connectors, rounds, path: '/echo', linkFaults },
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    autocannon: { rounds: autocannonRounds.map((runs) => ({ runs, ratios: ratios(runs) })), median: medianRatios(autocannonRounds.map(ratios)) },
    wrk: withWrk ? { rounds: wrkRounds.map((runs) => ({ runs, ratios: ratios(runs) })), median: medianRatios(wrkRounds.map(ratios)) } : null,
    /** Median CPU µs per request of each target's own processes (autocannon rounds; direct has none). */
    cpuUsPerRequest: { naive: cpuMedian('naive-2-hop'), minimal: cpuMedian('minimal-relay'), relay: cpuMedian('relay') },
  };
  await mkdir(values.out, { recursive: true });
  const file = `${values.out}/bench-${report.at.replace(/[:.]/g, '-')}.json`;
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  autocannonRounds.forEach((runs, i) => printRound('autocannon', i + 1, runs));
  wrkRounds.forEach((runs, i) => printRound('wrk', i + 1, runs));
  const m = report.autocannon.median!;
  const line = (r: Ratios) =>
    `relay/naive ${r.relayToNaive}, relay/direct ${r.relayToDirect}, minimal/naive ${r.minimalToNaive}, relay/minimal ${r.relayToMinimal}`;
  console.log(`\nmedian of ${rounds} round(s), autocannon: ${line(m)}`);
  if (report.wrk?.median) console.log(`median of ${rounds} round(s), wrk:        ${line(report.wrk.median)}`);
  const cpu = report.cpuUsPerRequest;
  console.log(`CPU per request (median): naive chain ${cpu.naive ?? '-'} µs, minimal relay ${cpu.minimal ?? '-'} µs, relay + connector ${cpu.relay ?? '-'} µs`);
  console.log(`written to ${file}`);
  const failed = [...autocannonRounds, ...wrkRounds].flat().filter((f) => f.non2xx > 0 || f.errors > 0);
  if (failed.length > 0) {
    console.error(`errors during the run: ${failed.map((f) => `${f.name} non2xx=${f.non2xx} errors=${f.errors}`).join(', ')}`);
    process.exitCode = 1;
  }
} finally {
  hop1.stop();
  hop2.stop();
  minimal.stop();
  await cluster.close();
}
