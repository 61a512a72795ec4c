/** A series of (x, y) points; y null leaves a gap. */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number | null])[];
  /** Draw as dots (scatter) instead of a line. */
  readonly dots?: boolean;
  readonly dashed?: boolean;
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Vertical markers on the x axis (faults). */
  readonly markers?: readonly { x: number; label: string }[];
}

const WIDTH = 760;
const HEIGHT = 260;
const PAD = { left: 56, right: 16, top: 28, bottom: 36 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
/** A legend entry's width: entries wrap onto further rows rather than run off the chart. */
const LEGEND_ENTRY = 150;
const LEGEND_ROW = 13;

/** The largest value, without spreading (Math.max(...xs) overflows the stack past ~125k points). */
const largest = (values: Iterable<number>, floor: number) => {
  let max = floor;
  for (const v of values) if (v > max) max = v;
  return max;
};

const esc = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / magnitude) * magnitude;
}

/**
 * A self-contained SVG line chart: no scripts, no external assets, so report.html works offline.
 */
/** Width of one character of a 10 px label, a little over the widest digits and letters of sans-serif. */
const LABEL_CHAR_WIDTH = 6.2;

export function svgChart(spec: ChartSpec): string {
  const xs = spec.series.flatMap((s) => s.points.map(([x]) => x));
  const ys = spec.series.flatMap((s) => s.points.flatMap(([, y]) => (y === null ? [] : [y])));
  const xMax = largest([...xs, ...(spec.markers ?? []).map((m) => m.x)], 1);
  const yMax = niceMax(largest(ys, 0));
  const w = WIDTH - PAD.left - PAD.right;
  const h = HEIGHT - PAD.top - PAD.bottom;
  const sx = (x: number) => PAD.left + (x / xMax) * w;
  const sy = (y: number) => PAD.top + h - (y / yMax) * h;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" id="${esc(spec.id)}" class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${esc(spec.title)}">`,
    `<text x="${PAD.left}" y="18" font-size="14" font-weight="bold">${esc(spec.title)}</text>`,
    `<line x1="${PAD.left}" y1="${PAD.top + h}" x2="${PAD.left + w}" y2="${PAD.top + h}" stroke="#444"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + h}" stroke="#444"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    parts.push(`<line x1="${PAD.left}" y1="${sy(y)}" x2="${PAD.left + w}" y2="${sy(y)}" stroke="#ddd"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${sy(y) + 4}" font-size="10" text-anchor="end">${Number(y.toPrecision(3))}</text>`);
    const x = (xMax * i) / 4;
    parts.push(`<text x="${sx(x)}" y="${PAD.top + h + 14}" font-size="10" text-anchor="middle">${Number(x.toPrecision(3))}</text>`);
  }
  parts.push(`<text x="${PAD.left + w / 2}" y="${HEIGHT - 4}" font-size="11" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  parts.push(
    `<text x="12" y="${PAD.top + h / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${PAD.top + h / 2})">${esc(spec.yLabel)}</text>`,
  );
  // Fault labels sit at the foot of the plot, so they never print over the legend at its head; each
  // takes the lowest row where it clears the labels before it (faults seconds apart, or a rolling
  // update's steps, would otherwise print over each other).
  const rowEnds: number[] = [];
  [...(spec.markers ?? [])]
    .sort((a, b) => a.x - b.x)
    .forEach((marker) => {
      const x = sx(marker.x);
      let row = rowEnds.findIndex((end) => end < x);
      if (row < 0) row = rowEnds.push(0) - 1;
      rowEnds[row] = x + 3 + marker.label.length * LABEL_CHAR_WIDTH + 4;
      parts.push(`<line class="fault" x1="${x}" y1="${PAD.top}" x2="${x}" y2="${PAD.top + h}" stroke="#c00" stroke-dasharray="4 3"/>`);
      parts.push(`<text class="fault-label" x="${x + 3}" y="${PAD.top + h - 4 - row * 11}" font-size="10" fill="#c00">${esc(marker.label)}</text>`);
    });
  const perRow = Math.max(1, Math.floor((w - 8) / LEGEND_ENTRY));
  spec.series.forEach((series, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    if (series.dots) {
      for (const [x, y] of series.points) if (y !== null) parts.push(`<circle cx="${sx(x)}" cy="${sy(y)}" r="2.5" fill="${colour}"/>`);
    } else {
      let d = '';
      let pen = 'M';
      for (const [x, y] of series.points) {
        if (y === null) {
          pen = 'M';
          continue;
        }
        d += `${pen}${sx(x).toFixed(1)},${sy(y).toFixed(1)} `;
        pen = 'L';
      }
      if (d) parts.push(`<path d="${d.trim()}" fill="none" stroke="${colour}" stroke-width="1.6"${series.dashed ? ' stroke-dasharray="6 3"' : ''}/>`);
    }
    const [lx, ly] = [PAD.left + 8 + (i % perRow) * LEGEND_ENTRY, PAD.top + 2 + Math.floor(i / perRow) * LEGEND_ROW];
    parts.push(`<rect class="legend" x="${lx}" y="${ly}" width="10" height="10" fill="${colour}"/>`);
    parts.push(`<text class="legend" x="${lx + 14}" y="${ly + 9}" font-size="10">${esc(series.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
