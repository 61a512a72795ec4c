/**
 * `npm run bench:capacity`: calibration of the connector capacity model against Microsoft's table.
 * For each preset, one connector of that capacity serves small GETs at open-model rates stepping
 * past its documented TPS; the saturation point is the highest throughput it delivered (requests
 * completed per second of wall time), and p99 is read at 90 % and at 100 % of the documented rate
 * (Microsoft's P99 is at its measured maximum). With
 * `--sizes`, the 2-core preset is measured again with larger responses (throughput falls as
 * responses grow). Reports whether this machine kept up with the model (connector_cpu_late_total).
 * Writes results/capacity-bench-<timestamp>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SimCluster } from '../../sim/cluster/sim-cluster.ts';
import { parseTopology } from '../../sim/cluster/topology.ts';
import { CAPACITY_PRESETS, type CapacityPreset } from '../../sim/connector/capacity-model.ts';
import { OpenModelRunner } from '../drivers/open-model.ts';
import { metricSum, scrape } from '../run/prom-text.ts';
import { httpSender, LoadClient } from '../run/http-scenarios.ts';

const { values } = parseArgs({
  options: {
    presets: { type: 'string', default: '2,4,8,16' },
    sizes: { type: 'string', default: '1024,102400' },
    seconds: { type: 'string', default: '4' },
    out: { type: 'string', default: fileURLToPath(new URL('../../results', import.meta.url)) },
  },
});
const presets = values.presets.split(',').map(Number) as CapacityPreset[];
const sizes = values.sizes ? values.sizes.split(',').map(Number) : [];
const seconds = Number(values.seconds);
if (presets.some((p) => !(p in CAPACITY_PRESETS)) || sizes.some((n) => !Number.isInteger(n) || n < 0) || !(seconds > 0)) {
  process.stderr.write('--presets takes some of 2,4,8,16; --sizes whole byte counts; --seconds a positive number\n');
  process.exit(2);
}
/** Offered load as a share of the documented TPS: below, near, and past saturation. */
const STEPS = [0.5, 0.9, 1, 1.1, 1.3];

async function measure(preset: CapacityPreset, path: string, expectedTps: number) {
  const topology = parseTopology(
    {
      groups: [{ name: 'default', connectors: 1, capacity: { cores: preset } }],
      apps: [{ name: 'echo', group: 'default' }],
      dispatch: { policy: 'random', queueLimit: 50_000, queueTimeoutMs: 60_000 },
    },
    'capacity bench',
  );
  const cluster = new SimCluster(topology, { basePort: 0, logLevel: 'error' });
  await cluster.start();
  try {
    const view = cluster.view();
    const target = { origin: new URL(view.relays[0]!.publicUrl), hostOf: () => new URL(view.apps[0]!.externalUrl).host };
    const client = new LoadClient(target, 2000);
    // The load rig's own GET (bounded by its request timeout; errors become outcomes).
    const send = httpSender({ name: 'capacity', kind: 'get', app: 'echo', path, share: 1, arrival: { kind: 'constant' } }, target, client);
    const run = async (rate: number, durationS: number) => {
      const runner = new OpenModelRunner({
        pattern: { kind: 'constant', rate },
        durationMs: durationS * 1000,
        maxInFlight: 20_000,
        send,
      });
      const started = performance.now();
      const report = await runner.run();
      const wallS = (performance.now() - started) / 1000;
      return { rate, throughput: Math.round(report.ok / wallS), errors: report.errors, p50Ms: report.latencyMs.p50, p99Ms: report.latencyMs.p99 };
    };
    await run(expectedTps * 0.3, 2); // warm-up
    const steps = [];
    for (const share of STEPS) {
      const step = await run(Math.round(expectedTps * share), seconds);
      process.stderr.write(`    offered ${step.rate}/s: delivered ${step.throughput}/s, p99 ${step.p99Ms} ms, errors ${step.errors}\n`);
      steps.push(step);
    }
    await client.destroy();
    const late = metricSum(await scrape(view.connectors[0]!.metricsUrl), 'connector_cpu_late_total');
    return {
      steps,
      saturationTps: Math.max(...steps.map((s) => s.throughput)),
      p99AtNinetyPercentMs: steps[1]!.p99Ms,
      p99AtDocumentedRateMs: steps[2]!.p99Ms,
      hostFellBehind: late,
    };
  } finally {
    await cluster.close();
  }
}

const results = [];
for (const preset of presets) {
  const { documented, model } = CAPACITY_PRESETS[preset];
  process.stderr.write(`${preset}-core preset (documented ${documented.tps} TPS, P99 ${documented.p99Ms} ms), small GETs:\n`);
  const measured = await measure(preset, '/echo', documented.tps);
  results.push({ preset, path: '/echo', documented, model, ...measured });
}
for (const bytes of sizes) {
  const { model } = CAPACITY_PRESETS[2];
  const expected = Math.round((model.cores * 1000) / (model.perRequestMs + (bytes / 1024) * model.perKiBMs));
  process.stderr.write(`2-core preset, ${bytes}-byte responses (model: ${expected} TPS):\n`);
  const measured = await measure(2, `/bytes/${bytes}`, expected);
  results.push({ preset: 2, path: `/bytes/${bytes}`, modelTps: expected, ...measured });
}

const report = { kind: 'capacity-bench', at: new Date().toISOString(), seconds, steps: STEPS, results };
await mkdir(values.out, { recursive: true });
const file = `${values.out}/capacity-bench-${report.at.replace(/[:.]/g, '-')}.json`;
await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
console.log('preset  path            documented TPS  saturation TPS  p99 at 90% (ms)  p99 at 100% (ms)  documented P99  host fell behind');
for (const r of results) {
  const documented = 'documented' in r ? r.documented : undefined;
  console.log(
    `${String(r.preset).padEnd(7)} ${r.path.padEnd(15)} ${String(documented?.tps ?? `(model ${'modelTps' in r ? r.modelTps : '?'})`).padEnd(15)} ${String(r.saturationTps).padEnd(15)} ${String(r.p99AtNinetyPercentMs).padEnd(16)} ${String(r.p99AtDocumentedRateMs).padEnd(17)} ${String(documented?.p99Ms ?? '–').padEnd(15)} ${r.hostFellBehind ? `yes (${r.hostFellBehind} times)` : 'no'}`,
  );
}
console.log(`written to ${file}`);
