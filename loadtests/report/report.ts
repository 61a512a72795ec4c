import { predictionName, queueingModel, SERVERS_NAMED } from './queueing-model.ts';
import { charts } from './report-charts.ts';
import { compareTable, faultTable, fmt, optionRows, scenarioTable, settingDifferences, summaryRows, type Table } from './report-tables.ts';
import { svgChart } from './svg-chart.ts';
import type { RunData, Summary } from './summary.ts';

export { queueingModel };
export type { RunData };

const esc = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const mdTable = (t: Table) => [`| ${t.head.join(' | ')} |`, `|${t.head.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${r.map(fmt).join(' | ')} |`)];
const htmlTable = (t: Table, id: string) =>
  `<table id="${id}"><tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${t.rows
    .map((r) => `<tr>${r.map((v) => `<td>${esc(fmt(v))}</td>`).join('')}</tr>`)
    .join('')}</table>`;

export function renderMarkdown(run: RunData, compare?: RunData): string {
  const s = run.summary;
  const lines = [
    `# ${s.profile}: ${s.runId}`,
    '',
    `Target ${s.target}, ${s.startedAt} to ${s.finishedAt}${s.gitSha ? `, git ${s.gitSha.slice(0, 10)}` : ''}.${s.aborted ? ` **Aborted: ${s.aborted}**` : ''}`,
    '',
    '| figure | value |',
    '|---|---|',
    ...summaryRows(s).map(([k, v]) => `| ${k} | ${fmt(v)} |`),
    '',
    '## Scenarios',
    '',
    ...mdTable(scenarioTable(s)),
    '',
    '## Thresholds',
    '',
    '| threshold | value | result |',
    '|---|---|---|',
    ...s.thresholds.map((t) => `| \`${t.expr}\` | ${fmt(t.value)} | ${t.ok ? 'pass' : '**FAIL**'} |`),
    '',
  ];
  if (s.faultsSkipped) lines.push(`The profile's fault plan was skipped (no \`--control\` URL): ${s.faultsSkipped} fault(s) neither injected nor counted.`, '');
  if (s.faults.length) lines.push('## Faults', '', ...mdTable(faultTable(run)), '');
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
  if (compare) lines.push(...compareSection(s, compare.summary).md);
  lines.push('## Settings', '', '| setting | value |', '|---|---|', ...optionRows(s).map(([k, v]) => `| ${k} | ${fmt(v)} |`), '');
  lines.push('Charts: see report.html.', '');
  return lines.join('\n');
}

/** `--compare`: the change in every figure, and a warning when the runs' settings differ. */
function compareSection(s: Summary, other: Summary) {
  const differences = settingDifferences(s, other);
  const warning = differences.length ? `Not like for like: the runs differ in ${differences.join('; ')}.` : 'The runs have the same settings.';
  const table = compareTable(s, other);
  return {
    md: [`## Compared with ${other.runId}`, '', warning, '', ...mdTable(table), ''],
    html: `<h2>Compared with ${esc(other.runId)}</h2><p class="${differences.length ? 'warn' : ''}">${esc(warning)}</p>${htmlTable(table, 'compare')}`,
  };
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
  const table = (rows: [string, unknown][], id: string) =>
    `<table id="${id}">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(fmt(v))}</td></tr>`).join('')}</table>`;
  const thresholds = s.thresholds
    .map(
      (t) => `<tr class="${t.ok ? 'pass' : 'fail'}"><td><code>${esc(t.expr)}</code></td><td>${esc(fmt(t.value))}</td><td>${t.ok ? 'pass' : 'FAIL'}</td></tr>`,
    )
    .join('');
  const faults = s.faults.length
    ? `<h2>Faults</h2>${htmlTable(faultTable(run), 'faults')}`
    : s.faultsSkipped
      ? `<p>The profile's fault plan was skipped (no <code>--control</code> URL): ${s.faultsSkipped} fault(s) neither injected nor counted.</p>`
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(s.profile)} ${esc(s.runId)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;max-width:1000px;color:#222}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}
tr.fail td{background:#fdd}tr.pass td{background:#efe}.chart{display:block;margin:12px 0;border:1px solid #eee}
p.warn{background:#fff4d6;padding:6px 10px}details{margin:8px 0 16px}
</style></head><body>
<h1>${esc(s.profile)} <small>${esc(s.runId)}</small></h1>
<p>Target ${esc(s.target)}; ${esc(s.startedAt)} to ${esc(s.finishedAt)}.${s.aborted ? ` <strong>Aborted: ${esc(s.aborted)}</strong>` : ''}</p>
${table(summaryRows(s), 'summary')}
<h2>Scenarios</h2>${htmlTable(scenarioTable(s), 'scenarios')}
<h2>Thresholds</h2><table><tr><th>threshold</th><th>value</th><th>result</th></tr>${thresholds}</table>
${faults}
${compare ? compareSection(s, compare.summary).html : ''}
<h2>Charts</h2>
${charts(run, compare).map(svgChart).join('\n')}
<details><summary>Settings of this run</summary>${table(optionRows(s), 'settings')}</details>
</body></html>
`;
}
