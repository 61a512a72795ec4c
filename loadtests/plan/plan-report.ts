import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { svgChart } from '../report/svg-chart.ts';
import type { FailureResult, Slo, StepResult } from './plan-trial.ts';
import type { TopologyInput } from '../../sim/cluster/topology.ts';
import type { CapacityModel } from '../../sim/connector/capacity-model.ts';
import type { AppService } from '../../sim/backend/app-service.ts';

/** What was learnt about one group size. */
export interface SizeResult {
  readonly connectors: number;
  readonly steps: StepResult[];
  /** The highest step rate within the SLO; null if none was. */
  readonly maxRateWithinSlo: number | null;
  readonly p99AtRequestedMs: number | null;
  readonly kill?: FailureResult;
  readonly update?: FailureResult;
  /** Virtual-CPU work this host finished late during the steady steps (connector_cpu_late_total). */
  readonly hostFellBehind?: number;
}

/** plan.json: the question, the capacity it assumed, what each size did, and the answer. */
export interface Plan {
  readonly at: string;
  readonly question: { app: string; path: string; mix: string; service?: AppService; rate: number; slo: Slo; failureP99Factor: number };
  readonly capacity: { model: CapacityModel; assumed: boolean };
  readonly failoverMode: string;
  readonly sizes: SizeResult[];
  readonly recommendation: { connectors: number; reason: string } | { connectors: null; reason: string };
  readonly wallSeconds: number;
}

/** A capacity model in words: `2 virtual CPUs, 3.41 ms a request, 0.02 ms a KiB`. */
export function describeModel(model: CapacityModel): string {
  const cap = model.maxTps ? `, at most ${model.maxTps} requests/s` : '';
  return `${model.cores} virtual CPUs, ${model.perRequestMs.toFixed(2)} ms a request, ${model.perKiBMs} ms a KiB${cap}`;
}

/** An app's service in words: `p50 40 ms, p99 250 ms; responses 1024 B ×9, 102400 B ×1`. */
export function describeService({ time, responseBytes }: AppService): string {
  const t = 'fixedMs' in time ? `${time.fixedMs} ms` : 'meanMs' in time ? `exponential, mean ${time.meanMs} ms` : `p50 ${time.p50Ms} ms, p99 ${time.p99Ms} ms`;
  const sizes = typeof responseBytes === 'number' ? `${responseBytes} B` : responseBytes.map((s) => `${s.bytes} B ×${s.weight}`).join(', ');
  return `service time ${t}; responses ${sizes}`;
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '–' : String(Math.round(v)));

/** The plan as a table, one row per group size. */
export function planTable(plan: Plan): string[] {
  const rows = [
    ['N', 'highest step within SLO', `p99 at ${plan.question.rate}/s (ms)`, 'kill: failed (lost in flight), p99', 'update: failed (lost in flight), p99'],
  ];
  for (const s of plan.sizes) {
    const failure = (f?: FailureResult) => (f ? `${f.errors} (${f.lostInFlight}), ${fmt(f.p99Ms)} ms${f.withinSlo ? '' : ' ✗'}` : 'not run');
    rows.push([
      String(s.connectors),
      s.maxRateWithinSlo === null ? 'none' : `${s.maxRateWithinSlo}/s`,
      fmt(s.p99AtRequestedMs),
      failure(s.kill),
      failure(s.update),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
}

/** Writes plan.json, the recommended topology, and a self-contained report.html. */
export async function writePlan(dir: string, plan: Plan, recommended: TopologyInput | undefined): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'plan.json'), `${JSON.stringify(plan, null, 2)}\n`);
  if (recommended) await writeFile(join(dir, 'topology.yaml'), stringify(recommended));
  const esc = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const maxRate = Math.max(...plan.sizes.flatMap((s) => s.steps.map((st) => st.rate)));
  const chart = svgChart({
    id: 'rate-p99',
    title: `p99 against offered rate for each group size; SLO ${plan.question.slo.p99Ms} ms`,
    xLabel: 'offered requests / s',
    yLabel: 'p99 (ms)',
    series: [
      ...plan.sizes.map((s) => ({ name: `N = ${s.connectors}`, points: s.steps.map((st) => [st.rate, st.p99Ms] as const), dots: true })),
      {
        name: 'SLO',
        points: [
          [0, plan.question.slo.p99Ms],
          [maxRate, plan.question.slo.p99Ms],
        ] as const,
        dashed: true,
      },
    ],
  });
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>plan ${esc(plan.at)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;max-width:1000px;color:#222}pre{background:#f6f6f6;padding:8px}</style></head><body>
<h1>How many connectors? <small>${esc(plan.question.app)} at ${plan.question.rate}/s, p99 ≤ ${plan.question.slo.p99Ms} ms</small></h1>
<p><strong>${esc(plan.recommendation.connectors === null ? 'No answer' : `${plan.recommendation.connectors} connectors`)}</strong>: ${esc(plan.recommendation.reason)}</p>
<p>Capacity model per connector: ${esc(describeModel(plan.capacity.model))}${plan.capacity.assumed ? ' (assumed: the group has none)' : ''}; failover mode ${esc(plan.failoverMode)}. Requests: ${plan.question.mix === 'mixed' ? 'the mixed profile (GETs 70 %, streamed uploads 10 %, downloads 20 %)' : `GETs on ${esc(plan.question.path)}`}.${plan.question.service ? ` The app: ${esc(describeService(plan.question.service))}.` : ''}</p>
${chart}
<pre>${esc(planTable(plan).join('\n'))}</pre>
</body></html>
`;
  await writeFile(join(dir, 'report.html'), html);
}
