/**
 * `npm run plan -- --app echo --rate 400 --p99 300ms`: how many connectors does the app's group
 * need? For N = 1, 2, … it steps GETs up through the requested rate on a sim whose group has N
 * connectors of the group's capacity model, finds the highest rate within the SLO, then checks the
 * first N that holds it at the requested rate with one connector killed and through a rolling
 * update. It recommends the smallest N that holds the SLO in steady state and stays within the
 * stated bound through both. Writes results/plan-<timestamp>/. Exit 0: an answer; 1: none up to
 * --max-connectors; 2: bad usage.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_TOPOLOGY_PATH, loadTopologyFile, TopologyError, type Topology } from '../../sim/cluster/topology.ts';
import { CAPACITY_PRESETS, resolveCapacity } from '../../sim/connector/capacity-model.ts';
import { PlanTrial, type Slo } from './plan-trial.ts';
import { parseResponseSizes, parseServiceTime } from './service-args.ts';
import { AppService } from '../../sim/backend/app-service.ts';
import { PROFILES } from '../profiles/index.ts';
import type { HttpScenario } from '../run/http-scenarios.ts';
import { describeModel, describeService, planTable, writePlan, type Plan, type SizeResult } from './plan-report.ts';

const USAGE = `usage: npm run plan -- --app APP --rate R --p99 D [options]

  --app APP            the published app to size its connector group for
  --rate R             requests per second it must carry
  --p99 D              the p99 it must hold, e.g. 300ms or 1s
  --path P             the GET path (default /echo)
  --backend T          the app's service time: 40ms, exp:40ms (exponential) or p50:40ms,p99:250ms
  --responses S        the app's response sizes: 1KiB, or weighted: 1KiB:9,100KiB:1
  --mix M              get (default: GETs on --path) or mixed (the mixed profile's GETs 70 %,
                       streamed uploads 10 %, downloads 20 %, on the backend's test routes)
  --topology FILE      the topology (default sim/topologies/default.yaml); the app's group is sized
  --max-connectors N   give up above N (default 6)
  --quick              fewer, shorter steps (about a minute per size)
  --out DIR            results directory (default results/)`;

function usage(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        app: { type: 'string' },
        rate: { type: 'string' },
        p99: { type: 'string' },
        path: { type: 'string', default: '/echo' },
        backend: { type: 'string' },
        responses: { type: 'string' },
        mix: { type: 'string', default: 'get' },
        topology: { type: 'string', default: DEFAULT_TOPOLOGY_PATH },
        'max-connectors': { type: 'string', default: '6' },
        quick: { type: 'boolean', default: false },
        out: { type: 'string', default: fileURLToPath(new URL('../../results', import.meta.url)) },
      },
    });
  } catch (err) {
    usage((err as Error).message);
  }
})();
const rate = Number(values.rate);
const p99 = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(values.p99 ?? '');
const maxConnectors = Number(values['max-connectors']);
if (!values.app) usage('name the app with --app');
if (!(rate > 0)) usage(`--rate must be a positive number; got ${values.rate}`);
if (!p99) usage(`--p99 must be a duration like 300ms or 1s; got ${values.p99}`);
if (!Number.isInteger(maxConnectors) || maxConnectors < 1 || maxConnectors > 50) usage('--max-connectors must be a whole number from 1 to 50');
const service = (() => {
  try {
    return {
      ...(values.backend !== undefined && { time: parseServiceTime(values.backend) }),
      ...(values.responses !== undefined && { responseBytes: parseResponseSizes(values.responses) }),
    };
  } catch (err) {
    usage((err as Error).message);
  }
})();
if (values.mix !== 'get' && values.mix !== 'mixed') usage(`--mix must be get or mixed; got ${values.mix}`);
if (values.mix === 'mixed' && (values.backend || values.responses)) {
  usage(
    '--mix mixed verifies uploads and downloads on the backend test routes, which an app with a service does not have: drop --backend/--responses, or use --mix get',
  );
}
const slo: Slo = { p99Ms: Number(p99[1]) * (p99[2] === 's' ? 1000 : 1), maxErrorRate: 0.001 };
/** Through a kill or an update, p99 may reach this multiple of the SLO (the stated bound). */
const FAILURE_P99_FACTOR = 2;
const STEP_SHARES = values.quick ? [1, 1.5] : [0.5, 1, 1.25, 1.5, 2];
const STEP_SECONDS = values.quick ? 3 : 5;

let topology: Topology;
try {
  topology = await loadTopologyFile(values.topology);
} catch (err) {
  usage((err as TopologyError).message);
}
const app = topology.apps.find((a) => a.name === values.app);
if (!app) usage(`no app "${values.app}" in ${values.topology} (apps: ${topology.apps.map((a) => a.name).join(', ')})`);
if ((values.backend || values.responses) && /^https?:/.test(app.backend))
  usage(`--backend and --responses model an app the sim serves; ${app.name} is at ${app.backend}`);
// --backend / --responses give the app a service (over any it has): every request takes that time and size.
const appService = values.backend || values.responses ? AppService.parse({ ...app.service, ...service }) : app.service;
const group = topology.groups.find((g) => g.name === app.group)!;
// What each arrival is: GETs on one path, or the mixed profile's HTTP requests (its WebSocket sessions are left out).
const scenarios: HttpScenario[] =
  values.mix === 'get'
    ? [{ name: 'get', kind: 'get', app: app.name, path: values.path, share: 1, arrival: { kind: 'constant' } }]
    : PROFILES['mixed']!.scenarios.flatMap((s) => (s.kind === 'ws' ? [] : [{ ...s, app: app.name }]));
const configured = resolveCapacity(group.capacity);
// Sizing on `unlimited` would size for this machine: assume Microsoft's 2-core connector instead.
const capacity = configured ?? CAPACITY_PRESETS[2].model;
const say = (line: string) => process.stderr.write(`${line}\n`);
say(
  `sizing group "${group.name}" for ${app.name}: ${rate} ${values.mix === 'get' ? `GETs/s on ${values.path}` : 'requests/s of the mixed profile (GETs, uploads, downloads)'}${appService ? ` (the app: ${describeService(appService)})` : ''} with p99 ≤ ${slo.p99Ms} ms, ` +
    `connectors of ${describeModel(capacity)}${configured ? '' : ' (the 2-core preset: the group has no capacity model)'}, failover mode ${topology.failover.mode}`,
);
const perSizeS = STEP_SHARES.length * (STEP_SECONDS + 1) + 5;
say(`bounded: at most ${maxConnectors} sizes, about ${perSizeS} s each plus two failure runs for the sizes that hold the SLO`);

/** The topology with only the app's group, at `n` connectors of the model. */
function sized(n: number): Topology {
  return {
    ...topology,
    groups: [{ ...group, connectors: n, capacity }],
    apps: topology.apps.filter((a) => a.group === group.name).map((a) => (a === app ? { ...a, service: appService } : a)),
    faults: [],
  };
}

const started = performance.now();
const sizes: SizeResult[] = [];
let answer: Plan['recommendation'] = { connectors: null, reason: `no group size up to ${maxConnectors} held the SLO through a kill and an update` };
for (let n = 1; n <= maxConnectors; n++) {
  const trial = new PlanTrial(sized(n), group.name, scenarios);
  await trial.start();
  try {
    const steps = [];
    for (const share of STEP_SHARES) {
      const step = await trial.step(Math.round(rate * share), STEP_SECONDS, slo);
      say(`  N=${n}: ${step.rate}/s → p99 ${step.p99Ms ?? '–'} ms, ${step.errors} errors ${step.withinSlo ? 'within SLO' : 'OUTSIDE the SLO'}`);
      steps.push(step);
      if (!step.withinSlo) break;
    }
    const passing = steps.filter((s) => s.withinSlo);
    const atRequested = steps.find((s) => s.rate === Math.round(rate));
    const hostFellBehind = await trial.hostFellBehind();
    if (hostFellBehind > 0) say(`  warning: at N=${n} this machine fell behind the capacity model ${hostFellBehind} times: these figures describe the machine`);
    const result: SizeResult = {
      connectors: n,
      steps,
      maxRateWithinSlo: passing.at(-1)?.rate ?? null,
      p99AtRequestedMs: atRequested?.p99Ms ?? null,
      hostFellBehind,
    };
    sizes.push(result);
    if (!atRequested?.withinSlo) continue;
    // Holds the SLO in steady state: now through a kill, and through a rolling update.
    const kill = await trial.through('kill', rate, STEP_SECONDS + 5, slo, FAILURE_P99_FACTOR);
    say(
      `  N=${n}: kill → ${kill.errors} failed (${kill.lostInFlight} lost in flight), p99 ${kill.p99Ms ?? '–'} ms ${kill.withinSlo ? 'within bound' : 'OUTSIDE the bound'}`,
    );
    Object.assign(result, { kill });
    if (!kill.withinSlo) continue;
    await trial.close(); // the killed connector stays down: the update runs on a fresh sim of N
    let updateLost = 0;
    const fresh = new PlanTrial(sized(n), group.name, scenarios);
    await fresh.start();
    try {
      const update = await fresh.through('update', rate, 4 + 3 * n, slo, FAILURE_P99_FACTOR);
      say(
        `  N=${n}: update → ${update.errors} failed (${update.lostInFlight} lost in flight), p99 ${update.p99Ms ?? '–'} ms ${update.withinSlo ? 'within bound' : 'OUTSIDE the bound'}`,
      );
      Object.assign(result, { update });
      updateLost = update.lostInFlight;
      if (!update.withinSlo) continue;
    } finally {
      await fresh.close();
    }
    answer = {
      connectors: n,
      reason:
        `${n} connector(s) carry ${rate}/s with p99 ${Math.round(result.p99AtRequestedMs!)} ms (≤ ${slo.p99Ms}), and through a kill and a rolling update ` +
        `p99 stays ≤ ${FAILURE_P99_FACTOR} × the SLO with no failure beyond the ${kill.lostInFlight + updateLost} requests lost in flight with their connector ` +
        `(${topology.failover.mode} mode)` +
        (n > 1 ? `; smaller groups could not (see the table).` : '.'),
    };
    break;
  } finally {
    await trial.close();
  }
}

const plan: Plan = {
  at: new Date().toISOString(),
  question: { app: app.name, path: values.path, mix: values.mix, ...(appService && { service: appService }), rate, slo, failureP99Factor: FAILURE_P99_FACTOR },
  capacity: { model: capacity, assumed: !configured },
  failoverMode: topology.failover.mode,
  sizes,
  recommendation: answer,
  wallSeconds: Math.round((performance.now() - started) / 1000),
};
const dir = join(values.out, `plan-${plan.at.replace(/[:.]/g, '-')}`);
await writePlan(dir, plan, answer.connectors === null ? undefined : { ...sized(answer.connectors), faults: [] });
console.log(planTable(plan).join('\n'));
console.log(`\n${answer.connectors === null ? 'No answer' : `Recommendation: ${answer.connectors} connector(s)`}: ${answer.reason}`);
console.log(`plan: ${dir}/report.html (${plan.wallSeconds} s)`);
process.exit(answer.connectors === null ? 1 : 0);
