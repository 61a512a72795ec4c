/**
 * `npm run bench:ws`: WebSocket sessions, direct to the backend vs through relay + connector, in one
 * run on the same machine:
 *   1. RTT: N sessions (default 1,000) each sending 1 message/s, direct, through a naive chain
 *      of two Node proxies (naive-proxy.ts: the same number of processes between client and
 *      backend as relay + connector, doing nothing but piping bytes), then through the relay, in
 *      alternating rounds (default 3); each round's p50 and p99 ratios (relay / direct, naive /
 *      direct, relay / naive), and their medians over rounds, because one round's p99 on a shared
 *      2-core machine swings by several times;
 *      with each RTT figure, the GC pauses of the sim's processes on that path over the same window
 *      (from their /metrics, summed over them; the naive proxies have none): if pauses stall less than 1 % of the
 *      window, GC alone cannot make the p99;
 *   2. capacity: open idle sessions through the relay up to --max (default 10,000) and report how
 *      many were held and the RSS per session summed over relay and connector.
 * Writes results/ws-bench-<timestamp>.json. Compare the ratios; the machine is shared and noisy.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { rssBytes } from '../../sim/common/rss.ts';
import { gcPauses, median, positiveIntegers, startBenchSim, startNaiveProxy, type GcPauses } from './bench-setup.ts';
import { WsSessionDriver, type WsDriverReport } from '../drivers/ws-session-driver.ts';
import { LatencyHistogram } from '../drivers/latency-histogram.ts';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10' },
    max: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    // off: the connector dials the relay directly (topology linkFaults: false), without the fault proxy.
    'link-faults': { type: 'string', default: 'on' },
    out: { type: 'string', default: fileURLToPath(new URL('../../results', import.meta.url)) },
  },
});
const {
  sessions,
  duration: durationS,
  max: maxSessions,
  rounds,
} = positiveIntegers({ sessions: values.sessions, duration: values.duration, max: values.max, rounds: values.rounds });

const reconnect = { initialMs: 200, maxMs: 2000, resetAfterMs: 10_000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WARMUP_MS = 3000;

interface RttFigures extends WsDriverReport {
  /** GC pauses of the path's sim processes over the measured window; null where they have no /metrics. */
  readonly gc: (GcPauses & { readonly stalledShare: number }) | null;
}

/**
 * Opens `sessions` sessions, lets them run a 3 s warm-up, then measures RTT for `durationS` seconds
 * of 1 message/s each, on the same sessions, so the window holds the steady state alone. This bench
 * used to warm up on other sessions, close them and measure fresh ones from their start: its window
 * then also held the relay opening 1,000 sessions and tearing down the 1,000 before, and that set
 * the relay's p99 (two runs in the same hour, relay/direct p99 by round: that way 43x, 6.3x, 7.0x; this
 * way 1.7x, 3.8x, 5.5x). Only the RTT figures are the window's; the message and drop counts cover
 * the sessions' whole life.
 */
async function measureRtt(name: string, url: string, host: string | undefined, metricsUrls: readonly string[]): Promise<RttFigures> {
  process.stderr.write(`  ${name}: ${sessions} sessions x 1 msg/s, 3 s warm-up + ${durationS} s\n`);
  const windowRtt = new LatencyHistogram();
  let measuring = false;
  const onRtt = (ms: number) => {
    if (measuring) windowRtt.recordMs(ms);
  };
  const driver = new WsSessionDriver({ url, host, sessions, rampPerSecond: 1000, messagesPerSecond: 1, messageBytes: 64, reconnect, onRtt });
  driver.start();
  await driver.waitForOpen(sessions, 60_000);
  await sleep(WARMUP_MS);
  const gcBefore = metricsUrls.length > 0 ? await gcPauses(metricsUrls) : null;
  const windowStarted = performance.now();
  measuring = true;
  await sleep(durationS * 1000);
  measuring = false;
  const gc = gcBefore && windowPauses(gcBefore, await gcPauses(metricsUrls), (performance.now() - windowStarted) / 1000);
  const report = { ...(await driver.stop()), rttMs: windowRtt.summary() };
  const gcText = gc
    ? `; GC ${gc.count} pauses, ${(gc.seconds * 1000).toFixed(1)} ms (${(gc.stalledShare * 100).toFixed(2)} % of the window), ${gc.over1ms} over 1 ms`
    : '';
  process.stderr.write(`    rtt p50 ${report.rttMs.p50} ms, p99 ${report.rttMs.p99} ms, dropped ${report.dropped}${gcText}\n`);
  return { ...report, gc };
}

function windowPauses(before: GcPauses, after: GcPauses, windowSeconds: number): GcPauses & { stalledShare: number } {
  const seconds = after.seconds - before.seconds;
  return { count: after.count - before.count, seconds, over1ms: after.over1ms - before.over1ms, stalledShare: Number((seconds / windowSeconds).toFixed(5)) };
}

if (!['on', 'off'].includes(values['link-faults'])) {
  process.stderr.write(`--link-faults takes on or off; got ${values['link-faults']}\n`);
  process.exit(2);
}
const linkFaults = values['link-faults'] === 'on';
process.stderr.write(`starting the sim (1 relay, 1 connector, 1 backend, link faults ${values['link-faults']}) and a naive 2-hop chain...\n`);
const cluster = await startBenchSim(1, 'off', linkFaults);
const view = cluster.view();
const relay = view.relays[0]!;
const connector = view.connectors[0]!;
const host = new URL(view.apps[0]!.externalUrl).host;
const relayWs = `${relay.publicUrl.replace(/^http/, 'ws')}/ws/echo`;
const backendOrigin = view.backends[0]!.url;
const hop2 = await startNaiveProxy(backendOrigin);
const hop1 = await startNaiveProxy(hop2.origin);
try {
  const targets = [
    { side: 'direct', url: `${backendOrigin.replace(/^http/, 'ws')}/ws/echo`, host: undefined, metrics: [view.backends[0]!.metricsUrl] },
    { side: 'naive', url: `${hop1.origin.replace(/^http/, 'ws')}/ws/echo`, host: undefined, metrics: [] },
    { side: 'relay', url: relayWs, host, metrics: [relay.metricsUrl, connector.metricsUrl, view.backends[0]!.metricsUrl] },
  ] as const;
  type Side = (typeof targets)[number]['side'];
  const perRound: Record<Side, RttFigures>[] = [];
  for (let round = 1; round <= rounds; round++) {
    const measured = {} as Record<Side, RttFigures>;
    for (const t of targets) measured[t.side] = await measureRtt(`${t.side} (round ${round} of ${rounds})`, t.url, t.host, t.metrics);
    perRound.push(measured);
  }
  const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
  const ratiosOf = (r: Record<Side, RttFigures>, a: Side, b: Side) => ({
    p50: ratio(r[a].rttMs.p50, r[b].rttMs.p50),
    p99: ratio(r[a].rttMs.p99, r[b].rttMs.p99),
  });
  const roundRatios = perRound.map((r) => ({
    relayToDirect: ratiosOf(r, 'relay', 'direct'),
    naiveToDirect: ratiosOf(r, 'naive', 'direct'),
    relayToNaive: ratiosOf(r, 'relay', 'naive'),
  }));
  const medianOf = (key: keyof (typeof roundRatios)[number]) => ({
    p50: median(roundRatios.map((r) => r[key].p50)),
    p99: median(roundRatios.map((r) => r[key].p99)),
  });
  const medianRatios = { relayToDirect: medianOf('relayToDirect'), naiveToDirect: medianOf('naiveToDirect'), relayToNaive: medianOf('relayToNaive') };
  const sideFigures = (side: Side) => ({
    rttMs: { p50: median(perRound.map((r) => r[side].rttMs.p50)), p99: median(perRound.map((r) => r[side].rttMs.p99)) },
    dropped: perRound.reduce((sum, r) => sum + r[side].dropped, 0),
  });
  const direct = sideFigures('direct');
  const naive = sideFigures('naive');
  const relayed = sideFigures('relay');

  process.stderr.write(`  capacity: opening up to ${maxSessions} idle sessions through the relay...\n`);
  await sleep(1000);
  const before = { relay: await rssBytes(relay.pid!), connector: await rssBytes(connector.pid!) };
  const capacity = new WsSessionDriver({ url: relayWs, host, sessions: maxSessions, rampPerSecond: 1000, messagesPerSecond: 0, messageBytes: 64, reconnect });
  capacity.start();
  const deadline = Date.now() + maxSessions + 30_000;
  while (capacity.openSessions < maxSessions && Date.now() < deadline) await sleep(250);
  await sleep(2000);
  const held = capacity.openSessions;
  const after = { relay: await rssBytes(relay.pid!), connector: await rssBytes(connector.pid!) };
  await capacity.stop(0);
  const perSessionKiB = (after.relay - before.relay + after.connector - before.connector) / Math.max(1, held) / 1024;

  const report = {
    kind: 'ws-bench',
    at: new Date().toISOString(),
    options: { sessions, messagesPerSecondPerSession: 1, durationS, maxSessions, rounds, connectors: 1, linkFaults },
    // Medians over rounds of each side's RTT and of each round's ratios; every round is kept too.
    rtt: {
      direct: direct.rttMs,
      naive: naive.rttMs,
      relay: relayed.rttMs,
      medianRatio: medianRatios,
      rounds: perRound.map((r, i) => ({ direct: r.direct.rttMs, naive: r.naive.rttMs, relay: r.relay.rttMs, ratio: roundRatios[i] })),
      // GC pauses over each round's window: direct counts the backend; relay counts relay, connector and backend.
      gc: perRound.map((r) => ({ direct: r.direct.gc, relay: r.relay.gc })),
    },
    dropped: { direct: direct.dropped, naive: naive.dropped, relay: relayed.dropped },
    capacity: {
      held,
      target: maxSessions,
      rssMiB: {
        relayBefore: before.relay / 2 ** 20,
        relayAfter: after.relay / 2 ** 20,
        connectorBefore: before.connector / 2 ** 20,
        connectorAfter: after.connector / 2 ** 20,
      },
      rssPerSessionKiB: Number(perSessionKiB.toFixed(1)),
    },
  };
  await mkdir(values.out, { recursive: true });
  const file = `${values.out}/ws-bench-${report.at.replace(/[:.]/g, '-')}.json`;
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nRTT at ${sessions} sessions x 1 msg/s, median of ${rounds} rounds   p50 ms   p99 ms`);
  console.log(`  direct                          ${String(direct.rttMs.p50).padStart(6)}   ${String(direct.rttMs.p99).padStart(6)}`);
  console.log(`  naive 2-hop chain               ${String(naive.rttMs.p50).padStart(6)}   ${String(naive.rttMs.p99).padStart(6)}`);
  console.log(`  relay                           ${String(relayed.rttMs.p50).padStart(6)}   ${String(relayed.rttMs.p99).padStart(6)}`);
  for (const key of ['relayToDirect', 'naiveToDirect', 'relayToNaive'] as const) {
    const perRoundText = roundRatios.map((r, i) => `round ${i + 1} p50 ${r[key].p50}x p99 ${r[key].p99}x`).join('; ');
    console.log(`  ${key}: ${perRoundText}; median p50 ${medianRatios[key].p50}x, p99 ${medianRatios[key].p99}x`);
  }
  const gcText = (gc: RttFigures['gc']) => (gc ? `${gc.count} pauses, ${(gc.seconds * 1000).toFixed(1)} ms, ${(gc.stalledShare * 100).toFixed(2)} %` : '-');
  perRound.forEach((r, i) => console.log(`  GC in round ${i + 1}'s window: relay path ${gcText(r.relay.gc)}; direct (backend) ${gcText(r.direct.gc)}`));
  console.log(`sessions held: ${held} of ${maxSessions}; RSS per session (relay + connector): ${report.capacity.rssPerSessionKiB} KiB`);
  console.log(`written to ${file}`);
} finally {
  hop1.stop();
  hop2.stop();
  await cluster.close();
}
