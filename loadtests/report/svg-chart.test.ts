import { test } from 'node:test';
import assert from 'node:assert/strict';
import { svgChart } from './svg-chart.ts';

const attrs = (svg: string, cls: string, tag: string) =>
  [...svg.matchAll(new RegExp(`<${tag} class="${cls}" x="([\\d.]+)" y="([\\d.]+)"`, 'g'))].map((m) => [Number(m[1]), Number(m[2])] as const);

test('a soak-sized series (200,000 points) charts without overflowing the stack', () => {
  const points = Array.from({ length: 200_000 }, (_, i) => [i, i % 977] as const);
  const svg = svgChart({ id: 'soak', title: 'soak', xLabel: 's', yLabel: 'ms', series: [{ name: 'p99', points }] });
  assert.match(svg, /<text x="[\d.]+" y="[\d.]+" font-size="10" text-anchor="end">1000<\/text>/, 'the y axis reaches the largest value, rounded up');
});

test('legends wrap onto rows inside the chart, and fault labels stay below the legend rows', () => {
  const series = Array.from({ length: 9 }, (_, i) => ({ name: `series ${i}`, points: [[0, i] as const, [10, i + 1] as const] }));
  const markers = [3, 4, 5, 6].map((x) => ({ x, label: `kill connector-${x}` }));
  const svg = svgChart({ id: 'many', title: 'many', xLabel: 's', yLabel: 'n', series, markers });
  const legends = attrs(svg, 'legend', 'rect');
  assert.equal(legends.length, 9);
  assert.ok(
    legends.every(([x]) => x + 140 <= 760),
    'every legend entry starts early enough to fit inside the 760 px chart',
  );
  assert.ok(new Set(legends.map(([, y]) => y)).size >= 2, 'a second row');
  const lowestLegend = Math.max(...legends.map(([, y]) => y + 10));
  for (const [, y] of attrs(svg, 'fault-label', 'text')) assert.ok(y - 10 > lowestLegend, `fault label at y ${y} clears the legend (bottom ${lowestLegend})`);
});

test('a log y axis has a tick per decade and leaves out values it cannot show; a fault band spans fault to recovery; a label at the right edge turns left', () => {
  const svg = svgChart({
    id: 'log',
    title: 'log',
    xLabel: 's',
    yLabel: 'ms',
    yLog: true,
    series: [
      {
        name: 'wait',
        points: [
          [0, 0],
          [1, 0.05],
          [2, 3],
          [3, 250],
          [40, 2],
        ],
      },
    ],
    markers: [
      { x: 10, label: 'kill default-1', until: 14 },
      { x: 39.5, label: 'resume default-2' },
    ],
  });
  const ticks = [...svg.matchAll(/text-anchor="end">([^<]+)</g)].map((m) => Number(m[1]));
  assert.deepEqual(ticks, [0.01, 0.1, 1, 10, 100, 1000]);
  const path = /<path d="([^"]+)"/.exec(svg)![1]!;
  assert.equal(path.split(/[ML]/).filter(Boolean).length, 4, 'the 0 is not drawn');
  const band = /<rect class="fault-band" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/.exec(svg)!;
  const plotWidth = 760 - 56 - 16;
  assert.ok(Math.abs(Number(band[2]) - (4 / 40) * plotWidth) < 0.5, `band ${band[2]} px wide for 4 s of 40`);
  const [, resumeAt] = attrs(svg, 'fault-label', 'text').map(([x]) => x);
  const resumeLine = 56 + (39.5 / 40) * plotWidth;
  assert.ok(resumeAt! < resumeLine, 'the right-most label is set to the left of its line, not past the edge');
});
