import { readdirSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { SimError } from '../../sim/common/sim-error.ts';
import { formatZodError } from '../../sim/common/zod-errors.ts';
import { parseFaultRequest } from '../../sim/cluster/fault-request.ts';
import { parseTopology, type TopologyInput } from '../../sim/cluster/topology.ts';
import { parseThreshold } from '../run/thresholds.ts';
import type { Profile, ScenarioSpec } from './profile.ts';
import { HTTP_EXECS, HTTP_EXECUTORS, ProfileFileSchema, WebSocketSessions } from './profile-schema.ts';

export class ProfileFileError extends SimError<'invalid_profile'> {
  constructor(message: string) {
    super('invalid_profile', message);
  }
}

const EXECUTORS = [...Object.keys(HTTP_EXECUTORS), 'websocket-sessions'];
const KIND = { get: 'get', upload: 'post-stream', download: 'download' } as const;

/** Reads and validates a YAML profile file (`npm run load -- ./my-profile.yaml`). */
export function loadProfileFile(path: string): Profile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProfileFileError(`cannot read profile ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseProfileText(text, path);
}

/** Every `*.yaml` in a directory, by profile name (the built-in profiles live in one). */
export function loadProfileDir(dir: string): Record<string, Profile> {
  const files = readdirSync(dir).filter((file) => file.endsWith('.yaml'));
  return Object.fromEntries(files.map((file) => loadProfileFile(`${dir}/${file}`)).map((profile) => [profile.name, profile]));
}

export function parseProfileText(text: string, source: string): Profile {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new ProfileFileError(`profile ${source} is not valid YAML: ${(err as Error).message}`);
  }
  const file = check(ProfileFileSchema, value, source, '');
  const scenarios = Object.entries(file.scenarios).map(([name, raw]) => scenario(name, raw, source));
  if (scenarios.length === 0) fail(source, 'scenarios: a profile has at least one scenario');
  const ws = scenarios.filter((s) => s.spec.kind === 'ws');
  if (ws.length > 1) fail(source, `scenarios: one websocket-sessions scenario per profile (found ${ws.map((s) => s.spec.name).join(', ')})`);
  const totalRate = scenarios.reduce((sum, s) => sum + s.rate, 0);
  const topology = file.topology === undefined ? undefined : validTopology(file.topology, source);
  for (const { spec } of scenarios) {
    if (topology && !topology.apps.some((app) => app.name === spec.app))
      fail(source, `scenarios.${spec.name}.app: "${spec.app}" is not an app of the profile's topology (${topology.apps.map((a) => a.name).join(', ')})`);
  }
  file.faults.forEach((fault, i) => {
    if (fault.at >= file.duration) fail(source, `faults.${i}.at: ${fault.at} s is not inside the ${file.duration} s run`);
    attempt(source, `faults.${i}`, () => parseFaultRequest({ action: fault.action, target: fault.target, params: fault.params }));
  });
  const thresholds = [...file.thresholds, ...(file.failoverThresholds ? [...file.failoverThresholds.appproxy, ...file.failoverThresholds.resilient] : [])];
  for (const expr of thresholds) attempt(source, 'thresholds', () => parseThreshold(expr));
  return {
    name: file.name,
    measures: file.measures,
    defaults: { durationS: file.duration, rate: totalRate, sessions: ws[0]?.spec.kind === 'ws' ? ws[0].spec.sessions : 0, connections: file.connections },
    // Shares of the profile's rate, so --rate scales every HTTP scenario alike.
    scenarios: scenarios.map(({ spec, rate }) => (spec.kind === 'ws' ? spec : { ...spec, share: rate / totalRate })),
    faults: file.faults.map(({ at, ...rest }) => ({ atS: at, ...rest })),
    thresholds: file.thresholds,
    ...(file.failoverThresholds ? { failoverThresholds: file.failoverThresholds } : {}),
    ...(file.topology === undefined ? {} : { topology: file.topology as TopologyInput }),
    ...(file.queueingModel ? { queueingModel: true } : {}),
    ...(file.trackMemory ? { trackMemory: true } : {}),
  };
}

/** One scenario, checked against its executor's schema; `rate` is 0 for WebSocket sessions. */
function scenario(name: string, raw: { executor: string }, source: string): { spec: ScenarioSpec; rate: number } {
  const where = `scenarios.${name}`;
  if (raw.executor === 'websocket-sessions') {
    const ws = check(WebSocketSessions, raw, source, where);
    return { spec: { name, kind: 'ws', app: ws.app, sessions: ws.sessions, messagesPerSecond: ws.messagesPerSecond, messageBytes: ws.messageBytes }, rate: 0 };
  }
  const executor = HTTP_EXECUTORS[raw.executor as keyof typeof HTTP_EXECUTORS];
  if (!executor) {
    const hint = /-vus$|iterations$/.test(raw.executor) ? '; closed-loop load (k6 VUs) is `--closed`' : '';
    fail(source, `${where}.executor: "${raw.executor}" is not one of ${EXECUTORS.join(', ')}${hint}`);
  }
  const { executor: _, ...request } = raw;
  const execName = (request as { exec?: unknown }).exec;
  const exec = HTTP_EXECS[execName as keyof typeof HTTP_EXECS];
  if (!exec) fail(source, `${where}.exec: ${JSON.stringify(execName)} is not one of ${Object.keys(HTTP_EXECS).join(', ')}`);
  const schema = executor.extend(exec).strict();
  const s = check(schema, raw, source, where) as z.infer<typeof schema> & { path?: string; sizes?: number[]; headers?: Record<string, string> };
  const arrival =
    s.executor === 'ramping-arrival-rate'
      ? { kind: 'ramp' as const, from: s.startRate / s.rate, poisson: s.arrivals === 'poisson' }
      : { kind: s.executor === 'poisson-arrival-rate' ? ('poisson' as const) : ('constant' as const) };
  const base = { name, app: s.app, share: 1, arrival, ...(s.headers ? { headers: Object.entries(s.headers) } : {}) };
  const spec: ScenarioSpec = s.exec === 'get' ? { ...base, kind: 'get', path: s.path! } : { ...base, kind: KIND[s.exec], sizes: s.sizes! };
  return { spec, rate: s.rate };
}

function validTopology(value: unknown, source: string) {
  return attempt(source, 'topology', () => parseTopology(value, 'in the profile'));
}

function check<T extends z.ZodType>(schema: T, value: unknown, source: string, where: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ProfileFileError(`invalid profile ${source}:\n${formatZodError(parsed.error, where)}`);
  return parsed.data;
}

function attempt<T>(source: string, where: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    return fail(source, `${where}: ${(err as Error).message}`);
  }
}

function fail(source: string, message: string): never {
  throw new ProfileFileError(`invalid profile ${source}:\n  - ${message}`);
}
