import { erlangCWaitSeconds } from './erlang-c.ts';
import type { ChartSpec } from './svg-chart.ts';
import type { RunData } from './summary.ts';

export interface QueueingModel {
  servers: number;
  /** `slots`: requests wait in the relay's queue for a slot; `vcpus`: inside the connectors for a virtual CPU. */
  serversKind: 'slots' | 'vcpus';
  serviceMs: number;
  points: { offered: number; measuredMs: number; predictedMs: number | null }[];
}

/**
 * Measured mean queue wait against offered load, with the M/M/c (Erlang C) prediction overlaid.
 * With a capacity model the servers are the virtual CPUs, the service time the model's, and the
 * wait the connectors' wait for a virtual CPU; otherwise the servers are slots, the service time
 * the backend's as the connectors measured it, and the wait the relay's queue wait.
 */
export function queueingModel(run: RunData): QueueingModel | undefined {
  const { options } = run.summary;
  const servers = Number(options['servers'] ?? 0);
  const serversKind = options['serversKind'] === 'vcpus' ? 'vcpus' : 'slots';
  const services = run.samples.flatMap((s) => (s.relay?.serviceMeanMs ? [[s.relay.serviceMeanMs, s.relay.dispatched] as const] : []));
  const weight = services.reduce((n, [, w]) => n + w, 0);
  const serviceMs = serversKind === 'vcpus' ? Number(options['modelServiceMs'] ?? 0) : weight && services.reduce((n, [ms, w]) => n + ms * w, 0) / weight;
  if (!servers || !serviceMs) return undefined;
  const points = run.samples.flatMap((s) => {
    const measured = serversKind === 'vcpus' ? s.relay?.cpuWaitMeanMs : s.relay?.queueWaitMeanMs;
    if (measured === null || measured === undefined || s.http.sent === 0) return [];
    const predicted = erlangCWaitSeconds(s.http.sent, serviceMs / 1000, servers);
    return [{ offered: s.http.sent, measuredMs: measured, predictedMs: predicted === null ? null : predicted * 1000 }];
  });
  return { servers, serversKind, serviceMs, points };
}

/** How the report names the servers. */
export const SERVERS_NAMED = { slots: 'slots (no capacity model)', vcpus: 'virtual CPUs (capacity model)' } as const;

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
    title: `Queue wait vs offered load: measured vs M/M/c (c = ${model.servers} ${SERVERS_NAMED[model.serversKind]}, S = ${model.serviceMs.toFixed(1)} ms)`,
    xLabel: 'offered load (requests / s)',
    yLabel: 'mean queue wait (ms)',
    series: [
      {
        name: model.serversKind === 'vcpus' ? 'measured (connectors)' : 'measured (relay)',
        points: model.points.map((p) => [p.offered, p.measuredMs] as const),
        dots: true,
      },
      { name: 'Erlang C', points: curve },
    ],
  };
}
