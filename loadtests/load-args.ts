/**
 * The load CLI's arguments: usage text, validation (bad input exits 2 with the usage), defaults.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { PROFILES } from './profiles/index.ts';
import { loadProfileFile } from './profiles/profile-file.ts';
import type { Profile } from './profiles/profile.ts';
import { FAILOVER_MODES, type FailoverMode } from '../sim/relay/relay-config.ts';
import { parseDurationS } from './run/duration.ts';
import { backendDelayRefusal, overrideProfile, parseHeader } from './run/run-overrides.ts';
import { parseServiceTime } from './plan/service-args.ts';
import { parseSegment } from './run/segment.ts';
import { DEFAULT_BASE_PORT, LOADGEN_PORT_OFFSET } from '../sim/cluster/port-plan.ts';

/** The open model's socket cap unless --connections sets one: high enough not to queue for the system. */
const OPEN_MODEL_SOCKETS = 4096;

const USAGE = `usage: npm run load -- <profile | profile.yaml> [options]

profiles (loadtests/profiles/builtin/*.yaml; a YAML file of your own in the same form runs as
./my-profile.yaml, see loadtests/profiles/README.md):
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
  -H 'name: value'  an extra header on every HTTP request (repeatable; not Host)
  --path P          the path of the profile's GETs (e.g. /apps/echo/report)
  --connectors N    the embedded sim: N connectors in each group serving the profile's apps
  --backend-delay T the embedded sim: the apps' service time: 50ms, exp:50ms (exponential mean),
                    p50:40ms,p99:250ms (lognormal); GET profiles only
  --warmup D        the first D (5s, 1m) is excluded from thresholds and marked in the report
  --slo FILE        thresholds (YAML/JSON: thresholds: ["http.p99 < 250", {expr, abortOnFail, delayAbortEvalS}])
  --target URL      drive a running relay (e.g. http://127.0.0.1:8080); default: start the embedded sim
  --ca FILE         the CA to trust for an https:// --target (npm run sim writes results/relay-ca.pem with tls: on)
  --control URL     that sim's control API, for relay-side figures and faults (e.g. http://127.0.0.1:9070)
  --topology FILE   topology of the embedded sim (default: the profile's, or sim/topologies/default.yaml);
                    with --target and no --control, the running sim's, to name its apps' hosts
  --failover MODE   the embedded sim's failover mode: appproxy (App Proxy's: in-flight requests on a
                    dead connector fail; the default) or resilient (a retrying relay's: not App Proxy)
  --results-dir DIR where run directories go (default results/)
  --out SINK        also write: json=FILE (a k6-style summary), csv=FILE (one row per second);
                    repeatable. (--out DIR, without "=", still means --results-dir DIR.)
  --summary-export FILE  as --out json=FILE (k6's flag)
  --json            the summary as one line of JSON on stdout (progress stays on stderr)
  --segment i/n     run segment i of n of a distributed run (1/n of the arrivals and sessions; faults
                    in segment 1 only; needs --target); join the segments with: merge DIR... --out DIR
  --start-at T      start the load at T (ISO time or ms since the epoch), so segments start together
  --compare DIR     an earlier run to compare with, side by side
  --metrics-port P  loadgen /metrics while the run lasts (default: the target's port + ${LOADGEN_PORT_OFFSET},
                    9600 for 8080 and the embedded sim; 0 picks a free port); listed for Prometheus
                    (npm run sim -- --prometheus) only while the run lasts
  --metrics-host H  address it listens on (default 127.0.0.1; 0.0.0.0 in containers)
  --quiet           no progress or summary lines (the results path is still printed)

exit codes: 0 passed; 1 a threshold failed or the run was aborted; 2 usage error or target
unreachable; 3 internal error (a bug in relay-sim); 130 interrupted (Ctrl-C: the summary and
report of what ran are still written; a second Ctrl-C quits at once)`;

/** The runner's metrics port inside the target sim's port span (port-plan.ts): its public port + 1520. */
export function loadgenPortFor(target: string | undefined): number {
  const url = target && URL.canParse(target) ? new URL(target) : undefined;
  const port = url ? Number(url.port || (url.protocol === 'https:' ? 443 : 80)) : DEFAULT_BASE_PORT;
  return port + LOADGEN_PORT_OFFSET <= 65535 ? port + LOADGEN_PORT_OFFSET : 0;
}

function startTime(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) usageError(`--start-at takes an ISO time (2026-12-03T10:00:00Z) or ms since the epoch; got ${text}`);
  return ms;
}

/** Exits 2 with the message, and where to find the usage (not all 50 lines of it, which would bury the message). */
export function usageError(message: string): never {
  process.stderr.write(`${message}\n(npm run load -- --help for every option and profile)\n`);
  process.exit(2);
}

/** A built-in profile by name, or a YAML profile file by path (anything ending .yaml/.yml or holding a /). */
function namedProfile(name: string): Profile {
  if (/\.ya?ml$/.test(name) || name.includes('/')) return attempt(() => loadProfileFile(name));
  const profile = PROFILES[name];
  if (!profile) usageError(`unknown profile "${name}"; profiles: ${Object.keys(PROFILES).join(', ')}, or a YAML profile file (./my-profile.yaml)`);
  return profile;
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

export function parseCli() {
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
        'results-dir': { type: 'string' },
        out: { type: 'string', multiple: true, default: [] },
        'summary-export': { type: 'string' },
        json: { type: 'boolean', default: false },
        segment: { type: 'string' },
        'start-at': { type: 'string' },
        compare: { type: 'string' },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string', default: '127.0.0.1' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        header: { type: 'string', short: 'H', multiple: true, default: [] },
        path: { type: 'string' },
        connectors: { type: 'string' },
        'backend-delay': { type: 'string' },
        warmup: { type: 'string' },
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
  const profile = namedProfile(name);
  if (values.target && !/^https?:\/\//.test(values.target)) usageError(`--target must be an http:// or https:// URL; got ${values.target}`);
  if (values.ca && !values.target?.startsWith('https:')) usageError('--ca goes with an https:// --target');
  if (values.failover !== undefined && !FAILOVER_MODES.includes(values.failover as FailoverMode))
    usageError(`--failover must be ${FAILOVER_MODES.join(' or ')}; got ${values.failover}`);
  if (values.failover && values.target) usageError("--failover sets the embedded sim's mode; a running sim's is in its topology (failover.mode)");
  if (values.path !== undefined && !values.path.startsWith('/')) usageError(`--path must start with /; got ${values.path}`);
  if ((values.connectors || values['backend-delay']) && values.target)
    usageError('--connectors and --backend-delay shape the embedded sim; a running sim has its own topology');
  const overrides = {
    path: values.path,
    headers: values.header.map((h) => attempt(() => parseHeader(h))),
    connectors: values.connectors === undefined ? undefined : Math.floor(positive(values.connectors, 'connectors', 1)),
    backendDelay: values['backend-delay'] === undefined ? undefined : attempt(() => parseServiceTime(values['backend-delay']!, '--backend-delay')),
  };
  const refused = overrides.backendDelay && backendDelayRefusal(profile);
  if (refused) usageError(refused);
  const durationS = values.duration ? seconds(values.duration, 'duration') : profile.defaults.durationS;
  if (durationS <= 0) usageError('--duration must be more than 0');
  const warmupS = values.warmup ? seconds(values.warmup, 'warmup') : 0;
  if (warmupS >= durationS) usageError(`--warmup (${warmupS} s) must be shorter than the run (${durationS} s)`);
  if (warmupS > 0 && values.closed) usageError('--warmup applies to the open model; autocannon warms up on its own terms');
  if (values.segment !== undefined && (!values.target || values.closed))
    usageError('--segment shares one open-model run among several runners: they all need the same running sim (--target, and --control for its faults)');
  return {
    profile: overrideProfile(profile, overrides),
    overrides,
    durationS,
    warmupS,
    segment: values.segment === undefined ? undefined : attempt(() => parseSegment(values.segment!)),
    startAtMs: values['start-at'] === undefined ? undefined : startTime(values['start-at']),
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
    ...outputs(values.out, values['results-dir'], values['summary-export']),
    json: values.json,
    compare: values.compare,
    metricsPort: Math.floor(positive(values['metrics-port'], 'metrics-port', loadgenPortFor(values.target), true)),
    metricsHost: values['metrics-host'],
    quiet: values.quiet,
  };
}

/** Where results go: the run directory's parent, and extra sinks (`--out json=FILE`, `csv=FILE`). */
function outputs(outs: readonly string[], resultsDir: string | undefined, summaryExport: string | undefined) {
  const sinks: { json: string[]; csv: string[] } = { json: summaryExport ? [summaryExport] : [], csv: [] };
  let dir = resultsDir;
  for (const out of outs) {
    const match = /^(json|csv)=(.+)$/.exec(out);
    if (match) sinks[match[1] as 'json' | 'csv'].push(match[2]!);
    else if (out.includes('=')) usageError(`--out takes json=FILE or csv=FILE; got ${out}`);
    else if (dir && dir !== out) usageError(`--out ${out} names a results directory, and --results-dir ${dir} another`);
    else dir = out; // the older meaning of --out DIR
  }
  return { out: dir ?? fileURLToPath(new URL('../results', import.meta.url)), sinks };
}

/** Runs a parser whose errors are usage errors. */
function attempt<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    return usageError((err as Error).message);
  }
}
