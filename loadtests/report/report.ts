import { predictionName, queueingChart, queueingModel, SERVERS_NAMED } from './queueing-model.ts';
import { svgChart, type ChartSpec, type Series } from './svg-chart.ts';
import type { RunData, Summary } from './summary.ts';
import { FAILOVER_MODE_LABELS } from '../../sim/relay/relay-config.ts';
import type { SecondSample } from '../run/run-profile.ts';

export { queueingModel };
export type { RunData };

const esc = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (v: unknown) => (v === null || v === undefined ? '–' : typeof v === 'number' ? String(Number(v.toFixed(3))) : String(v));

/** Every chart of the report. `compare` overlays another run's throughput and p99. */
export function charts(run: RunData, compare?: RunData): ChartSpec[] {
  const { summary, samples } = run;
  const warmup = summary.http.afterWarmup;
  const markers = [
    ...(warmup ? [{ x: warmup.fromS, label: 'warm-up ends' }] : []),
    ...summary.faults.map((f) => ({ x: f.at / 1000, label: `${f.action} ${f.target.split(':')[1] ?? f.target}${f.ok ? '' : ' (refused)'}` })),
    // A rolling update is one fault with a step per connector: mark each connector going down.
    ...(summary.events ?? []).filter((e) => e.action === 'update-step').map((e) => ({ x: e.tMs / 1000, label: `update ${e.target.split(':')[1]}` })),
  ];
  const per = (pick: (s: SecondSample) => number | null) => samples.map((s) => [s.t, pick(s)] as const);
  const other = (pick: (s: SecondSample) => number | null, name: string): Series[] =>
    compare ? [{ name: `${name} (${compare.summary.runId})`, points: compare.samples.map((s) => [s.t, pick(s)] as const), dashed: true }] : [];
  const codes = [...new Set(samples.flatMap((s) => Object.keys(s.http.byErrorCode)))];
  const list: ChartSpec[] = [
    {
      id: 'throughput',
      title: 'Throughput',
      xLabel: 'seconds',
      yLabel: 'requests / s',
      series: [
        { name: 'ok / s', points: per((s) => s.http.ok) },
        { name: 'errors / s', points: per((s) => s.http.errors) },
        ...other((s) => s.http.ok, 'ok / s'),
      ],
      markers,
    },
    {
      id: 'latency',
      title: 'Latency percentiles over time (from intended send time)',
      xLabel: 'seconds',
      yLabel: 'ms',
      series: [
        { name: 'p50', points: per((s) => (s.http.sent ? s.http.p50 : null)) },
        { name: 'p90', points: per((s) => (s.http.sent ? s.http.p90 : null)) },
        { name: 'p99', points: per((s) => (s.http.sent ? s.http.p99 : null)) },
        ...other((s) => (s.http.sent ? s.http.p99 : null), 'p99'),
      ],
      markers,
    },
    {
      id: 'errors',
      title: 'Errors by code',
      xLabel: 'seconds',
      yLabel: 'errors / s',
      series: codes.length
        ? codes.map((code) => ({ name: code, points: per((s) => s.http.byErrorCode[code] ?? 0) }))
        : [{ name: 'none', points: per(() => 0) }],
      markers,
    },
    {
      id: 'queue-wait',
      title: "Queue wait (relay's metrics)",
      xLabel: 'seconds',
      yLabel: 'ms',
      series: [
        { name: 'mean', points: per((s) => s.relay?.queueWaitMeanMs ?? null) },
        { name: 'p99', points: per((s) => s.relay?.queueWaitP99Ms ?? null) },
      ],
      markers,
    },
    {
      id: 'websockets',
      title: 'Active WebSocket sessions',
      xLabel: 'seconds',
      yLabel: 'sessions',
      series: [
        { name: 'open (client)', points: per((s) => s.ws?.open ?? null) },
        { name: 'active (relay)', points: per((s) => s.relay?.wsActive ?? null) },
      ],
      markers,
    },
  ];
  const queueing = queueingChart(run);
  if (queueing) list.push(queueing);
  const components = [...new Set(samples.flatMap((s) => Object.keys(s.memoryMiB ?? {})))];
  if (components.length) {
    list.push({
      id: 'memory',
      title: 'Process memory (RSS)',
      xLabel: 'seconds',
      yLabel: 'MiB',
      series: components.map((c) => ({ name: c, points: per((s) => s.memoryMiB?.[c] ?? null) })),
      markers,
    });
  }
  return list;
}

function summaryRows(s: Summary): [string, unknown][] {
  return [
    ['failover mode', s.failoverMode ? FAILOVER_MODE_LABELS[s.failoverMode] : 'unknown'],
    ['requests', s.http.requests],
    ['errors', s.http.errors],
    ['rps', s.http.rps],
    ['p50 ms', s.http.latencyMs.p50],
    ['p99 ms', s.http.latencyMs.p99],
    ['max ms', s.http.latencyMs.max],
    ['dropped / late', `${s.http.dropped} / ${s.http.late}`],
    [
      'warm-up (excluded from thresholds)',
      s.http.afterWarmup
        ? `first ${s.http.afterWarmup.fromS} s; after it ${s.http.afterWarmup.requests} requests, ${s.http.afterWarmup.errors} errors, p99 ${fmt(s.http.afterWarmup.latencyMs.p99)} ms`
        : null,
    ],
    ['plan delivered', s.http.saturation?.text ?? null],
    ['queue wait p99 ms (relay)', s.relay.queueWaitP99Ms],
    ['retries (relay)', s.relay.retries],
    [
      'requests per relay instance',
      Object.entries(s.relay.requestsByInstance ?? {})
        .map(([id, n]) => `${id} ${n}`)
        .join(', ') || null,
    ],
    ['ws sessions / dropped / reconnected', s.ws ? `${s.ws.sessions} / ${s.ws.dropped} / ${s.ws.reconnected}` : null],
    ['ws rtt p99 ms', s.ws?.rttMs.p99],
    ['failover detection ms', s.failover?.detectionMs],
    ['failover recovery ms', s.failover?.recoveryMs],
    ['failed: lost in flight (relay) / other', s.failover ? `${fmt(s.failover.lostInFlight)} / ${fmt(s.failover.otherFailures)}` : null],
  ];
}

export function renderMarkdown(run: RunData, compare?: RunData): string {
  const s = run.summary;
  const lines = [
    `# ${s.profile}: ${s.runId}`,
    '',
    `Target ${s.target}, ${s.startedAt} to ${s.finishedAt}${s.gitSha ? `, git ${s.gitSha.slice(0, 10)}` : ''}.${s.aborted ? ` **Aborted: ${s.aborted}**` : ''}`,
    '',
    compare ? `| figure | this run | ${compare.summary.runId} |` : '| figure | value |',
    compare ? '|---|---|---|' : '|---|---|',
    ...summaryRows(s).map(([k, v], i) => (compare ? `| ${k} | ${fmt(v)} | ${fmt(summaryRows(compare.summary)[i]![1])} |` : `| ${k} | ${fmt(v)} |`)),
    '',
    '## Thresholds',
    '',
    '| threshold | value | result |',
    '|---|---|---|',
    ...s.thresholds.map((t) => `| \`${t.expr}\` | ${fmt(t.value)} | ${t.ok ? 'pass' : '**FAIL**'} |`),
    '',
  ];
  if (s.faultsSkipped) lines.push(`The profile's fault plan was skipped (no \`--control\` URL): ${s.faultsSkipped} fault(s) neither injected nor counted.`, '');
  if (s.faults.length) {
    lines.push('## Faults', '', '| at (s) | action | target | detection ms | recovery ms |', '|---|---|---|---|---|');
    for (const f of s.failover?.perFault ?? [])
      lines.push(`| ${(f.atMs / 1000).toFixed(1)} | ${f.action} | ${f.target} | ${fmt(f.detectionMs)} | ${fmt(f.recoveryMs)} |`);
    lines.push('');
  }
  lines.push(...updateSteps(s));
  const model = queueingModel(run);
  if (model) {
    lines.push(
      '## Queueing vs Erlang C',
      '',
      model.serversKind === 'vcpus'
        ? `c = ${model.servers} ${SERVERS_NAMED.vcpus}, the model's mean CPU time ${model.serviceMs.toFixed(1)} ms (SCV ${model.serviceScv.toFixed(2)}: the prediction is Erlang C × (1 + SCV) / 2, Allen–Cunneen); measured: the wait for a virtual CPU.`
        : `c = ${model.servers} ${SERVERS_NAMED.slots}, measured mean service time ${model.serviceMs.toFixed(1)} ms; measured: the relay's queue wait.`,
      '',
      `| offered req/s | measured wait ms | ${predictionName(model)} wait ms |`,
      '|---|---|---|',
    );
    for (const p of model.points) lines.push(`| ${p.offered} | ${fmt(p.measuredMs)} | ${fmt(p.predictedMs)} |`);
    lines.push('');
  }
  lines.push('Charts: see report.html.', '');
  return lines.join('\n');
}

/** A rolling update's steps, each with what the relay said its connector lost (from its connector-dead event). */
function updateSteps(s: Summary): string[] {
  const events = s.events ?? [];
  const steps = events.filter((e) => e.action === 'update-step');
  if (!steps.length) return [];
  const lost = (step: (typeof steps)[number]) =>
    events.find((e) => (e.action === 'connector-dead' || e.action === 'connector-left') && e.target === step.target && e.tMs >= step.tMs)?.detail;
  const rows = steps.map((step) => `| ${(step.tMs / 1000).toFixed(1)} | ${step.target} | ${/(\d+) lost in flight/.exec(lost(step) ?? '')?.[1] ?? '–'} |`);
  return ['## Update steps', '', '| at (s) | connector | requests lost in flight (relay) |', '|---|---|---|', ...rows, ''];
}

export function renderHtml(run: RunData, compare?: RunData): string {
  const s = run.summary;
  const table = (rows: [string, unknown][]) => `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(fmt(v))}</td></tr>`).join('')}</table>`;
  const compareTable = compare
    ? `<h2>Compared with ${esc(compare.summary.runId)}</h2><table><tr><th>figure</th><th>this run</th><th>${esc(compare.summary.runId)}</th></tr>${summaryRows(
        s,
      )
        .map(([k, v], i) => `<tr><th>${esc(k)}</th><td>${esc(fmt(v))}</td><td>${esc(fmt(summaryRows(compare.summary)[i]![1]))}</td></tr>`)
        .join('')}</table>`
    : '';
  const thresholds = s.thresholds
    .map(
      (t) => `<tr class="${t.ok ? 'pass' : 'fail'}"><td><code>${esc(t.expr)}</code></td><td>${esc(fmt(t.value))}</td><td>${t.ok ? 'pass' : 'FAIL'}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(s.profile)} ${esc(s.runId)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;max-width:1000px;color:#222}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}
tr.fail td{background:#fdd}tr.pass td{background:#efe}.chart{display:block;margin:12px 0;border:1px solid #eee}
</style></head><body>
<h1>${esc(s.profile)} <small>${esc(s.runId)}</small></h1>
<p>Target ${esc(s.target)}; ${esc(s.startedAt)} to ${esc(s.finishedAt)}.${s.aborted ? ` <strong>Aborted: ${esc(s.aborted)}</strong>` : ''}</p>
${table(summaryRows(s))}
${compareTable}
<h2>Thresholds</h2><table><tr><th>threshold</th><th>value</th><th>result</th></tr>${thresholds}</table>
<h2>Charts</h2>
${charts(run, compare).map(svgChart).join('\n')}
</body></html>
`;
}
