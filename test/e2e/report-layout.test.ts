import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readRun } from '../../loadtests/report/results.ts';
import { renderHtml } from '../../loadtests/report/report.ts';
import { runLoadCli } from '../helpers/load-cli.ts';
import { CHROMIUM, dumpDom, NO_CHROMIUM } from '../helpers/chromium.ts';

/** Runs in the page: every pair of legend entries and fault labels of a chart whose boxes intersect. */
const LAYOUT_CHECK = `<script>
addEventListener('load', () => {
  const found = [];
  let texts = 0;
  for (const svg of document.querySelectorAll('svg.chart')) {
    const boxes = [...svg.querySelectorAll('text.legend, text.fault-label, text.note')].map((t) => ({ text: t.textContent, r: t.getBoundingClientRect() }));
    texts += boxes.length;
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i].r, boxes[j].r];
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 1) found.push(svg.id + ': "' + boxes[i].text + '" overlaps "' + boxes[j].text + '"');
    }
  }
  const out = document.createElement('pre');
  out.id = 'layout-check';
  out.textContent = JSON.stringify({ texts, overlaps: found });
  document.body.append(out);
});
</script>`;

test(
  'report charts (the failover and queueing kinds): legends, notes and fault labels never overlap, measured by their boxes in headless Chromium',
  { skip: CHROMIUM ? false : NO_CHROMIUM },
  async () => {
    const first = await runLoadCli(['get', '--rate', '40', '--duration', '3s', '--metrics-port', '0', '--quiet']);
    const second = await runLoadCli(['get', '--rate', '40', '--duration', '3s', '--metrics-port', '0', '--quiet']);
    assert.ok(first.runDir && second.runDir, first.stderr + second.stderr);
    const run = await readRun(first.runDir);
    // A crowded run: six faults, five of them within 0.1 s (as a rolling update's steps come), with long targets.
    const faults = [0.8, 0.82, 0.84, 0.86, 0.88, 1.6].map((s, k) => ({
      at: s * 1000,
      action: k % 2 ? 'pause' : 'kill',
      target: `connector:default-${k + 1}`,
      ok: true,
    }));
    // And the queueing overlay (c = 8 slots), whose capacity marker and note share the chart with its legend.
    const crowded = { ...run, summary: { ...run.summary, faults, options: { ...run.summary.options, servers: 8, serversKind: 'slots' } } };
    const html = join(first.runDir, 'layout.html');
    await writeFile(html, renderHtml(crowded, await readRun(second.runDir)).replace('</body>', `${LAYOUT_CHECK}</body>`));
    const { stdout } = await dumpDom(html);
    const check = /<pre id="layout-check">([^<]*)<\/pre>/.exec(stdout);
    assert.ok(check, 'the layout check ran in the page');
    const { texts, overlaps } = JSON.parse(check[1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as { texts: number; overlaps: string[] };
    assert.ok(texts >= 20, `${texts} legend entries and fault labels measured`);
    for (const id of ['throughput', 'latency', 'scenario-latency', 'spectrum', 'queue-wait', 'erlang-c'])
      assert.match(stdout, new RegExp(`<svg[^>]*id="${id}"`), id);
    assert.deepEqual(overlaps, []);
  },
);
