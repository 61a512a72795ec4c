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
  /** Vertical markers on the x axis (faults); with `until`, a shaded band from x to it (fault to recovery). */
  readonly markers?: readonly { x: number; label: string; until?: number }[];
  /** Labelled x ticks instead of four even ones (a percentile spectrum's 90 %, 99 %, …). */
  readonly xTicks?: readonly { x: number; label: string }[];
  /** A log y axis (decades), so values far below the largest stay readable; values ≤ 0 are left out. */
  readonly yLog?: boolean;
  /** How a hover tooltip names a point's x (default: the number and the x label). */
  readonly hoverX?: (x: number) => string;
  /** A line of small print under the title: what the data's resolution is, or how to read it. */
  readonly note?: string;
}

const WIDTH = 760;
const HEIGHT = 260;
const PAD = { left: 56, right: 16, top: 28, bottom: 36 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
/** A legend entry's width: entries wrap onto further rows rather than run off the chart. */
const LEGEND_ENTRY = 150;
const LEGEND_ROW = 13;
/** Series with more points than this get no hover targets (a soak's hour would add megabytes). */
const HOVER_POINTS_MAX = 600;

/** The largest value, without spreading (Math.max(...xs) overflows the stack past ~125k points). */
const largest = (values: Iterable<number>, floor: number) => {
  let max = floor;
  for (const v of values) if (v > max) max = v;
  return max;
};

const esc = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Ticks at round steps (1, 2, 2.5 or 5 × 10^k) from 0 up to `max`, or (`cover`) to the first at or past it. */
function roundTicks(max: number, cover = false): number[] {
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const ticks = [0];
  while (ticks.at(-1)! < max - step / 1e6 && (cover || ticks.at(-1)! + step <= max + step / 1e6)) ticks.push(Number((ticks.at(-1)! + step).toPrecision(6)));
  return ticks;
}

/** The y axis: where a value sits (0 at the foot, 1 at the head), its ticks, and which values it can show. */
function yAxis(values: readonly number[], log: boolean) {
  if (!log) {
    const ticks = roundTicks(largest(values, 0) || 1, true);
    const max = ticks.at(-1)!;
    return { fraction: (v: number) => v / max, ticks, shows: (v: number | null): v is number => v !== null };
  }
  let min = Infinity;
  for (const v of values) if (v < min) min = v;
  const low = Math.floor(Math.log10(Number.isFinite(min) ? min : 1));
  const high = Math.max(low + 1, Math.ceil(Math.log10(largest(values, 10 ** (low + 1)))));
  return {
    fraction: (v: number) => (Math.log10(v) - low) / (high - low),
    ticks: Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i)),
    shows: (v: number | null): v is number => v !== null && v > 0,
  };
}

/**
 * A self-contained SVG line chart: no scripts, no external assets, so report.html works offline.
 */
/** Width of one character of a 10 px label, a little over the widest digits and letters of sans-serif. */
const LABEL_CHAR_WIDTH = 6.2;

export function svgChart(spec: ChartSpec): string {
  const xs = spec.series.flatMap((s) => s.points.map(([x]) => x));
  const ys = spec.series.flatMap((s) => s.points.flatMap(([, y]) => (y === null ? [] : [y])));
  const xMax = largest([...xs, ...(spec.markers ?? []).flatMap((m) => [m.x, m.until ?? 0]), ...(spec.xTicks ?? []).map((t) => t.x)], 1);
  const top = PAD.top + (spec.note ? 12 : 0);
  const w = WIDTH - PAD.left - PAD.right;
  const h = HEIGHT - top - PAD.bottom;
  const y = yAxis(spec.yLog ? ys.filter((v) => v > 0) : ys, spec.yLog === true);
  const sx = (x: number) => PAD.left + (x / xMax) * w;
  const sy = (v: number) => top + h - y.fraction(v) * h;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" id="${esc(spec.id)}" class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${esc(spec.title)}">`,
    `<text x="${PAD.left}" y="18" font-size="14" font-weight="bold">${esc(spec.title)}</text>`,
    ...(spec.note ? [`<text class="note" x="${PAD.left}" y="31" font-size="10" fill="#555">${esc(spec.note)}</text>`] : []),
    `<line x1="${PAD.left}" y1="${top + h}" x2="${PAD.left + w}" y2="${top + h}" stroke="#444"/>`,
    `<line x1="${PAD.left}" y1="${top}" x2="${PAD.left}" y2="${top + h}" stroke="#444"/>`,
  ];
  for (const tick of y.ticks) {
    parts.push(`<line x1="${PAD.left}" y1="${sy(tick)}" x2="${PAD.left + w}" y2="${sy(tick)}" stroke="#ddd"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${sy(tick) + 4}" font-size="10" text-anchor="end">${Number(tick.toPrecision(3))}</text>`);
  }
  const xTicks = spec.xTicks ?? roundTicks(xMax).map((x) => ({ x, label: String(x) }));
  for (const tick of xTicks) parts.push(`<text x="${sx(tick.x)}" y="${top + h + 14}" font-size="10" text-anchor="middle">${esc(tick.label)}</text>`);
  parts.push(`<text x="${PAD.left + w / 2}" y="${HEIGHT - 4}" font-size="11" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  parts.push(`<text x="12" y="${top + h / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${top + h / 2})">${esc(spec.yLabel)}</text>`);
  // Fault labels sit at the foot of the plot, so they never print over the legend at its head; each
  // takes the lowest row where it clears the labels before it (faults seconds apart, or a rolling
  // update's steps, would otherwise print over each other).
  const rowEnds: number[] = [];
  [...(spec.markers ?? [])]
    .sort((a, b) => a.x - b.x)
    .forEach((marker) => {
      const x = sx(marker.x);
      const width = marker.label.length * LABEL_CHAR_WIDTH;
      // A label that would run past the plot's right edge is set to the left of its line instead.
      const left = x + 3 + width > PAD.left + w;
      const start = left ? x - 3 - width : x + 3;
      let row = rowEnds.findIndex((end) => end < start);
      if (row < 0) row = rowEnds.push(0) - 1;
      rowEnds[row] = start + width + 4;
      if (marker.until !== undefined && marker.until > marker.x)
        parts.push(`<rect class="fault-band" x="${x}" y="${top}" width="${sx(marker.until) - x}" height="${h}" fill="#c00" fill-opacity="0.07"/>`);
      parts.push(`<line class="fault" x1="${x}" y1="${top}" x2="${x}" y2="${top + h}" stroke="#c00" stroke-dasharray="4 3"/>`);
      parts.push(`<text class="fault-label" x="${start}" y="${top + h - 4 - row * 11}" font-size="10" fill="#c00">${esc(marker.label)}</text>`);
    });
  const perRow = Math.max(1, Math.floor((w - 8) / LEGEND_ENTRY));
  spec.series.forEach((series, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    if (series.dots) {
      for (const [x, v] of series.points) if (y.shows(v)) parts.push(`<circle cx="${sx(x)}" cy="${sy(v)}" r="2.5" fill="${colour}"/>`);
    } else {
      let d = '';
      let pen = 'M';
      for (const [x, v] of series.points) {
        if (!y.shows(v)) {
          pen = 'M';
          continue;
        }
        d += `${pen}${sx(x).toFixed(1)},${sy(v).toFixed(1)} `;
        pen = 'L';
      }
      if (d) parts.push(`<path d="${d.trim()}" fill="none" stroke="${colour}" stroke-width="1.6"${series.dashed ? ' stroke-dasharray="6 3"' : ''}/>`);
    }
    // Hover values: an invisible target with a tooltip per point, for series short enough to keep the file small.
    if (series.points.length <= HOVER_POINTS_MAX)
      for (const [x, v] of series.points)
        if (y.shows(v))
          parts.push(
            `<circle class="hover" cx="${sx(x).toFixed(1)}" cy="${sy(v).toFixed(1)}" r="4" fill="transparent"><title>${esc(series.name)}: ${Number(v.toPrecision(4))} at ${esc(spec.hoverX ? spec.hoverX(x) : `${Number(x.toPrecision(4))} ${spec.xLabel}`)}</title></circle>`,
          );
    const [lx, ly] = [PAD.left + 8 + (i % perRow) * LEGEND_ENTRY, top + 2 + Math.floor(i / perRow) * LEGEND_ROW];
    parts.push(`<rect class="legend" x="${lx}" y="${ly}" width="10" height="10" fill="${colour}"/>`);
    parts.push(`<text class="legend" x="${lx + 14}" y="${ly + 9}" font-size="10">${esc(series.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
