/**
 * `npm run load -- <profile> [options]`: runs a load profile and writes results/<run-id>/.
 * Exit codes are in the usage (load-args.ts): 0, 1, 2, 3 internal error, 130 interrupted.
 */
import { constants } from 'node:fs';
import { access, readFile, writeFile } from 'node:fs/promises';
import { k6Summary, samplesCsv } from './report/exports.ts';
import { hlogOfRun, hlogText } from './report/hlog.ts';
import { dirname, join, resolve } from 'node:path';
import { parseCli, usageError } from './load-args.ts';
import { LiveLine, type LiveSnapshot } from './run/live-line.ts';
import { TopologyError, type Topology } from '../sim/cluster/topology.ts';
import { overrideTopology } from './run/run-overrides.ts';
import { profileThresholds } from './profiles/profile.ts';
import { FAILOVER_MODE_LABELS } from '../sim/relay/relay-config.ts';
import { readRun, writeRun } from './report/results.ts';
import { buildSummary, thresholdValues, type Summary } from './report/summary.ts';
import { embeddedTarget, externalTarget, missingApps, TargetUnreachableError, type RunTarget } from './run/run-context.ts';
import { runProfile } from './run/run-profile.ts';
import { evaluate, parseThreshold, ThresholdError, type Threshold } from './run/thresholds.ts';
import { loadSloFile } from './run/slo-file.ts';
import { queueingServers } from './run/queueing-servers.ts';
import { segmentCount } from './run/segment.ts';

/** A failure of relay-sim itself, not of the run or its input: its own exit code, so automation can tell. */
const EXIT_INTERNAL_ERROR = 3;
const EXIT_INTERRUPTED = 130;
process.on('uncaughtException', (err) => {
  process.stderr.write(`internal error (a bug in relay-sim, please report it with this output): ${err.stack ?? String(err)}\n`);
  process.exit(EXIT_INTERNAL_ERROR);
});
// Ctrl-C stops the load, then the summary and report of what ran are written (as k6 does); twice quits.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
  process.stderr.write('\ninterrupted: stopping the load and writing what ran (Ctrl-C again to quit at once)\n');
  interrupt.abort();
});

const cli = parseCli();
// A sink that cannot be written is refused now, not found out after the run.
for (const file of [...cli.sinks.json, ...cli.sinks.csv]) {
  await access(dirname(resolve(file)), constants.W_OK).catch(() => usageError(`cannot write ${file}: its directory does not exist or is not writable`));
}
const sloThresholds = cli.slo
  ? await loadSloFile(cli.slo).catch((err: Error) => usageError(err instanceof ThresholdError ? err.message : String(err)))
  : undefined;
const compare = cli.compare ? await readRun(cli.compare).catch((err: Error) => usageError(`--compare ${cli.compare}: ${err.message}`)) : undefined;
const liveLine = new LiveLine({ write: (text) => process.stderr.write(text), tty: process.stderr.isTTY === true });
const say = (line: string) => {
  if (!cli.quiet) liveLine.message(line);
};

let target: RunTarget;
try {
  if (cli.target) {
    const ca = cli.ca ? await readFile(cli.ca, 'utf8').catch((err: Error) => usageError(`--ca ${cli.ca}: ${err.message}`)) : undefined;
    target = await externalTarget(cli.target, cli.control, ca, cli.topology);
  } else {
    say(`starting the embedded sim for ${cli.profile.name}...`);
    const warnings = (line: string) => void (line.startsWith('warning:') && process.stderr.write(`${line}\n`));
    const adjust = (topology: Topology) => overrideTopology(topology, cli.profile, cli.overrides);
    target = await embeddedTarget(cli.profile, { topologyPath: cli.topology, failoverMode: cli.failoverMode, adjust }, warnings);
  }
} catch (err) {
  if (err instanceof TargetUnreachableError || err instanceof TopologyError) usageError(err.message);
  throw err;
}
const missing = missingApps(target, cli.profile);
if (missing.length > 0) {
  await target.close();
  usageError(`the profile sends to ${missing.join(', ')}, which the target does not publish (its apps: ${target.apps.join(', ') || 'none'})`);
}

// The built-in thresholds of a failover profile depend on the sim's mode, known only now.
const thresholds: Threshold[] = sloThresholds ?? profileThresholds(cli.profile, target.failoverMode).map((t) => parseThreshold(t));
// A segment of a distributed run sends its share; its directory name says which, so segments never collide.
const rate = cli.segment ? cli.rate / cli.segment.count : cli.rate;
const sessions = segmentCount(cli.sessions, cli.segment);
const segmentId = cli.segment ? `-segment-${cli.segment.index}-of-${cli.segment.count}` : '';
const runId = `${cli.profile.name}-${new Date().toISOString().replace(/[:.]/g, '-')}${segmentId}`;
const options = {
  durationS: cli.durationS,
  rate,
  sessions,
  ...(cli.segment && { segment: `${cli.segment.index}/${cli.segment.count}` }),
  connections: cli.connections,
  closed: cli.closed,
  workers: cli.workers,
  ...(cli.warmupS > 0 && { warmupS: cli.warmupS }),
  model: cli.closed ? 'closed' : 'open',
  ...queueingServers(cli.profile, target.topology),
  ...(target.topology && { topology: topologyShape(target.topology) }),
  ...(cli.overrides.path !== undefined && { path: cli.overrides.path }),
  // Header names only: values may be credentials.
  ...(cli.overrides.headers.length > 0 && { headers: cli.overrides.headers.map(([name]) => name) }),
  ...(cli.overrides.connectors !== undefined && { connectors: cli.overrides.connectors }),
  ...(cli.overrides.backendDelay !== undefined && { backendDelay: cli.overrides.backendDelay }),
};
say(
  `${cli.profile.name}${cli.segment ? ` segment ${options.segment}` : ''}: ${cli.durationS} s at ${rate} req/s${sessions ? `, ${sessions} WebSocket sessions` : ''} against ${target.url}`,
);
say(`failover mode: ${target.failoverMode ? FAILOVER_MODE_LABELS[target.failoverMode] : 'unknown (no --control URL)'}`);
if (cli.startAtMs !== undefined) {
  const waitMs = cli.startAtMs - Date.now();
  if (waitMs > 0) say(`waiting ${(waitMs / 1000).toFixed(1)} s for --start-at ${new Date(cli.startAtMs).toISOString()}`);
  else say(`--start-at ${new Date(cli.startAtMs).toISOString()} has passed (${(-waitMs / 1000).toFixed(1)} s ago): starting now`);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, waitMs)));
}
let summary: Summary;
try {
  const result = await runProfile(
    {
      profile: cli.profile,
      durationS: cli.durationS,
      rate,
      sessions,
      segment: cli.segment,
      connections: cli.connections,
      closed: cli.closed,
      workers: cli.workers,
      warmupS: cli.warmupS,
      thresholds,
      metricsPort: cli.metricsPort,
      metricsHost: cli.metricsHost,
      progress: say,
      stop: interrupt.signal,
      ...(cli.quiet ? {} : { live: (snapshot: LiveSnapshot) => liveLine.update(snapshot) }),
    },
    target,
  );
  liveLine.end();
  const base = buildSummary(runId, cli.profile.name, target.url, options, result);
  // With --warmup, thresholds judge the requests after it (the summary keeps the whole run too).
  const judged = base.http.afterWarmup ? { ...base, http: { ...base.http, ...base.http.afterWarmup } } : base;
  const values = thresholdValues(judged);
  summary = { ...base, thresholds: thresholds.map((t) => evaluate(t, values)) };
  const dir = join(cli.out, runId);
  const hlogs = Object.fromEntries(Object.entries(result.timelines).map(([scenario, timeline]) => [scenario, hlogText(result.startedAt.getTime(), timeline)]));
  const wsRttHlog = result.wsRtt && hlogOfRun(result.startedAt.getTime(), cli.durationS, result.wsRtt.histogram);
  await writeRun(dir, { summary, samples: result.samples, hlogs, ...(wsRttHlog && { wsRttHlog }) }, compare);
  for (const file of cli.sinks.json) await writeFile(file, `${JSON.stringify(k6Summary(summary), null, 2)}\n`);
  for (const file of cli.sinks.csv) await writeFile(file, samplesCsv(result.samples));
  if (cli.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  say(`\n${summaryLine(summary)}`);
  process.stderr.write(`results: ${dir}/report.html\n`); // also with --quiet: where the run went is not progress
} finally {
  await target.close();
}
const failed = summary.thresholds.filter((t) => !t.ok);
for (const t of failed) process.stderr.write(`threshold failed: ${t.expr} (value ${t.value ?? 'not measured'})\n`);
if (summary.aborted) process.stderr.write(`run stopped early: ${summary.aborted}\n`);
process.exit(interrupt.signal.aborted ? EXIT_INTERRUPTED : failed.length > 0 || summary.aborted ? 1 : 0);

function summaryLine(s: Summary): string {
  const parts = [
    `${s.profile}: ${s.http.requests} requests, ${s.http.errors} errors, ${s.http.rps} req/s, p50 ${s.http.latencyMs.p50} ms, p99 ${s.http.latencyMs.p99} ms`,
  ];
  if (s.http.saturation) parts.push(s.http.saturation.text);
  if (s.ws) parts.push(`ws ${s.ws.sessions} sessions, rtt p99 ${s.ws.rttMs.p99} ms, dropped ${s.ws.dropped}, reconnected ${s.ws.reconnected}`);
  if (s.failover)
    parts.push(
      `failover (${s.failover.mode ?? 'mode unknown'}) detection ${s.failover.detectionMs ?? '–'} ms, recovery ${s.failover.recoveryMs ?? '–'} ms, ` +
        `${s.failover.failedRequests} failed: ${s.failover.lostInFlight ?? '–'} lost in flight (relay), ${s.failover.otherFailures ?? '–'} other; retried ${s.failover.retriedRequests ?? '–'}`,
    );
  parts.push(`thresholds ${s.thresholds.filter((t) => t.ok).length}/${s.thresholds.length} passed`);
  return parts.join('; ');
}

/** The embedded sim's topology in one line, for the report's settings (and --compare's like-for-like check). */
function topologyShape(t: Topology): string {
  const groups = t.groups.map((g) => `${g.name} ${g.connectors}×${typeof g.capacity === 'object' ? `${g.capacity.cores} cores` : `${g.slots} slots`}`);
  return `${t.relays} relay(s); groups ${groups.join(', ')}; dispatch ${t.dispatch.policy}, queue ${t.dispatch.queueLimit}; failover ${t.failover.mode}`;
}
