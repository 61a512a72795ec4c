/**
 * `npm run load -- <profile> [options]`: runs a load profile and writes results/<run-id>/.
 * Exit 0: every threshold passed. 1: a threshold failed. 2: bad usage or the target unreachable.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { LiveLine, type LiveSnapshot } from './run/live-line.ts';
import { TopologyError } from '../sim/cluster/topology.ts';
import { PROFILES } from './profiles/index.ts';
import { profileThresholds, type Profile } from './profiles/profile.ts';
import { FAILOVER_MODE_LABELS, FAILOVER_MODES, type FailoverMode } from '../sim/relay/relay-config.ts';
import { readRun, writeRun } from './report/results.ts';
import { buildSummary, thresholdValues, type Summary } from './report/summary.ts';
import { embeddedTarget, externalTarget, TargetUnreachableError, type RunTarget } from './run/run-context.ts';
import { parseDurationS } from './run/duration.ts';
import { runProfile } from './run/run-profile.ts';
import { evaluate, parseThreshold, ThresholdError, type Threshold } from './run/thresholds.ts';
import { loadSloFile } from './run/slo-file.ts';
import { queueingServers } from './run/queueing-servers.ts';

/** The open model's socket cap unless --connections sets one: high enough not to queue for the system. */
const OPEN_MODEL_SOCKETS = 4096;

const USAGE = `usage: npm run load -- <profile> [options]

profiles:
${Object.values(PROFILES)
  .map((p) => `  ${p.name.padEnd(12)} ${p.measures}`)
  .join('\n')}

options:
  --duration D      run length: 30s, 2m, 1h30m, 500ms or seconds (default: the profile's)
  --rate R          HTTP arrivals per second, open model (default: the profile's)
  --sessions N      WebSocket sessions (profiles with a ws scenario)
  --connections N   closed loop: connections (default: the profile's); open model: a cap on
                    sockets (default ${OPEN_MODEL_SOCKETS}, so waiting happens in the system, not here)
  --closed          closed-loop autocannon baseline instead of the open model (GET only)
  --workers N       worker threads sending HTTP requests: the open model's (default: half the
                    cores, at least 1; 1 = this thread), or autocannon's with --closed
  --slo FILE        thresholds (YAML/JSON: thresholds: ["http.p99 < 250", {expr, abortOnFail, delayAbortEvalS}])
  --target URL      drive a running relay (e.g. http://127.0.0.1:8080); default: start the embedded sim
  --ca FILE         the CA to trust for an https:// --target (npm run sim writes results/relay-ca.pem with tls: on)
  --control URL     that sim's control API, for relay-side figures and faults (e.g. http://127.0.0.1:7070)
  --topology FILE   topology of the embedded sim (default: the profile's, or sim/topologies/default.yaml)
  --failover MODE   the embedded sim's failover mode: appproxy (App Proxy's: in-flight requests on a
                    dead connector fail; the default) or resilient (a retrying relay's: not App Proxy)
  --out DIR         results directory (default results/)
  --compare DIR     an earlier run to compare with, side by side
  --metrics-port P  loadgen /metrics while the run lasts (default 9600; 0 picks a free port)
  --metrics-host H  address it listens on (default 127.0.0.1; 0.0.0.0 in containers)
  --quiet           no progress or summary lines (the results path is still printed)

exit codes: 0 passed; 1 a threshold failed or the run was aborted; 2 usage error or target
unreachable; 3 internal error (a bug in relay-sim); 130 interrupted (Ctrl-C: the summary and
report of what ran are still written; a second Ctrl-C quits at once)`;

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

function usageError(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function seconds(text: string, name: string): number {
  const value = parseDurationS(text);
  if (value === undefined) usageError(`--${name} must be a duration like 30s, 2m, 1h30m or 500ms; got ${text}`);
  return value;
}

function positive(text: string | undefined, name: string, fallback: number, allowZero = false): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0))
    usageError(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} number; got ${text}`);
  return value;
}

function parseCli() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        duration: { type: 'string' },
        rate: { type: 'string' },
        sessions: { type: 'string' },
        connections: { type: 'string' },
        closed: { type: 'boolean', default: false },
        workers: { type: 'string' },
        slo: { type: 'string' },
        target: { type: 'string' },
        control: { type: 'string' },
        ca: { type: 'string' },
        topology: { type: 'string' },
        failover: { type: 'string' },
        out: { type: 'string', default: fileURLToPath(new URL('../results', import.meta.url)) },
        compare: { type: 'string' },
        'metrics-port': { type: 'string', default: '9600' },
        'metrics-host': { type: 'string', default: '127.0.0.1' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    usageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const name = positionals[0];
  if (!name) usageError('name a profile');
  if (positionals.length > 1) usageError(`unexpected argument ${positionals[1]}`);
  const profile = PROFILES[name];
  if (!profile) usageError(`unknown profile "${name}"; profiles: ${Object.keys(PROFILES).join(', ')}`);
  if (values.target && !/^https?:\/\//.test(values.target)) usageError(`--target must be an http:// or https:// URL; got ${values.target}`);
  if (values.ca && !values.target?.startsWith('https:')) usageError('--ca goes with an https:// --target');
  if (values.failover !== undefined && !FAILOVER_MODES.includes(values.failover as FailoverMode))
    usageError(`--failover must be ${FAILOVER_MODES.join(' or ')}; got ${values.failover}`);
  if (values.failover && values.target) usageError("--failover sets the embedded sim's mode; a running sim's is in its topology (failover.mode)");
  const durationS = values.duration ? seconds(values.duration, 'duration') : profile.defaults.durationS;
  if (durationS <= 0) usageError('--duration must be more than 0');
  return {
    profile,
    durationS,
    rate: positive(values.rate, 'rate', profile.defaults.rate),
    sessions: positive(values.sessions, 'sessions', profile.defaults.sessions, true),
    // Open model: sockets are not rationed by default, so requests the system cannot take yet wait in
    // its queue (where they are measured), not in this generator's socket pool.
    connections: positive(values.connections, 'connections', values.closed ? profile.defaults.connections : OPEN_MODEL_SOCKETS),
    closed: values.closed,
    // Closed loop: 0 lets autocannon decide. Open model: half the cores, so the system under test
    // (the embedded sim, on the same machine) keeps the other half.
    workers: Math.floor(positive(values.workers, 'workers', values.closed ? 0 : Math.max(1, Math.floor(availableParallelism() / 2)), true)),
    slo: values.slo,
    target: values.target,
    control: values.control,
    ca: values.ca,
    topology: values.topology,
    failoverMode: values.failover as FailoverMode | undefined,
    out: values.out,
    compare: values.compare,
    metricsPort: positive(values['metrics-port'], 'metrics-port', 9600, true),
    metricsHost: values['metrics-host'],
    quiet: values.quiet,
  };
}

const cli = parseCli();
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
    target = await externalTarget(cli.target, cli.control, ca);
  } else {
    say(`starting the embedded sim for ${cli.profile.name}...`);
    const warnings = (line: string) => void (line.startsWith('warning:') && process.stderr.write(`${line}\n`));
    target = await embeddedTarget(cli.profile, { topologyPath: cli.topology, failoverMode: cli.failoverMode }, warnings);
  }
} catch (err) {
  if (err instanceof TargetUnreachableError || err instanceof TopologyError) usageError(err.message);
  throw err;
}

// The built-in thresholds of a failover profile depend on the sim's mode, known only now.
const thresholds: Threshold[] = sloThresholds ?? profileThresholds(cli.profile, target.failoverMode).map((t) => parseThreshold(t));
const runId = `${cli.profile.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const options = {
  durationS: cli.durationS,
  rate: cli.rate,
  sessions: cli.sessions,
  connections: cli.connections,
  closed: cli.closed,
  workers: cli.workers,
  model: cli.closed ? 'closed' : 'open',
  ...queueingServers(cli.profile, target.topology),
};
say(`${cli.profile.name}: ${cli.durationS} s at ${cli.rate} req/s${cli.sessions ? `, ${cli.sessions} WebSocket sessions` : ''} against ${target.url}`);
say(`failover mode: ${target.failoverMode ? FAILOVER_MODE_LABELS[target.failoverMode] : 'unknown (no --control URL)'}`);
let summary: Summary;
try {
  const result = await runProfile(
    {
      profile: cli.profile,
      durationS: cli.durationS,
      rate: cli.rate,
      sessions: cli.sessions,
      connections: cli.connections,
      closed: cli.closed,
      workers: cli.workers,
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
  const values = thresholdValues(base);
  summary = { ...base, thresholds: thresholds.map((t) => evaluate(t, values)) };
  const dir = join(cli.out, runId);
  await writeRun(dir, { summary, samples: result.samples }, compare);
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
