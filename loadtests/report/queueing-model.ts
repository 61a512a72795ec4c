import { erlangCWaitSeconds } from './erlang-c.ts';
import type { ChartSpec } from './svg-chart.ts';
import type { RunData } from './summary.ts';

/** Measured mean queue wait against offered load, with the M/M/c (Erlang C) prediction overlaid. */
export function queueingModel(
  run: RunData,
): { servers: number; serviceMs: number; points: { offered: number; measuredMs: number; predictedMs: number | null }[] } | undefined {
  const servers = Number(run.summary.options['servers'] ?? 0);
  const services = run.samples.flatMap((s) => (s.relay?.serviceMeanMs ? [[s.relay.serviceMeanMs, s.relay.dispatched] as const] : []));
  const weight = services.reduce((n, [, w]) => n + w, 0);
  if (!servers || !weight) return undefined;
  const serviceMs = services.reduce((n, [ms, w]) => n + ms * w, 0) / weight;
  const points = run.samples.flatMap((s) => {
    if (s.relay?.queueWaitMeanMs === null || s.relay?.queueWaitMeanMs === undefined || s.http.sent === 0) return [];
    const predicted = erlangCWaitSeconds(s.http.sent, serviceMs / 1000, servers);
    return [{ offered: s.http.sent, measuredMs: s.relay.queueWaitMeanMs, predictedMs: predicted === null ? null : predicted * 1000 }];
  });
  return { servers, serviceMs, points };
}

export function queueingChart(run: RunData): ChartSpec | undefined {
  const model = queueingModel(run);
  if (!model) return undefined;
  const capacity = (model.servers / model.serviceMs) * 1000;
  const curve: [number, number | null][] = [];
  for (let i = 1; i <= 60; i++) {
    const lambda = (capacity * i) / 60;
    const w = erlangCWaitSeconds(lambda, model.serviceMs / 1000, model.servers);
    curve.push([lambda, w === null ? null : Math.min(w * 1000, 5000)]);
  }
  return {
    id: 'erlang-c',
    title: `Queue wait vs offered load: measured vs M/M/c (c = ${model.servers}, S = ${model.serviceMs.toFixed(1)} ms)`,
    xLabel: 'offered load (requests / s)',
    yLabel: 'mean queue wait (ms)',
    series: [
      { name: 'measured (relay)', points: model.points.map((p) => [p.offered, p.measuredMs] as const), dots: true },
      { name: 'Erlang C', points: curve },
    ],
  };
}
