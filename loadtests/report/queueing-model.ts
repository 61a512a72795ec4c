import { erlangCWaitSeconds } from './erlang-c.ts';
import type { ChartSpec } from './svg-chart.ts';
import type { RunData } from './summary.ts';

export interface QueueingModel {
  servers: number;
  /** `slots`: requests wait in the relay's queue for a slot; `vcpus`: inside the connectors for a virtual CPU. */
  serversKind: 'slots' | 'vcpus';
  serviceMs: number;
  /**
   * The service time's squared coefficient of variation: the capacity model's with virtual CPUs,
   * 1 (exponential: plain M/M/c) with slots, whose service time is the backend's, unknown in shape.
   */
  serviceScv: number;
  points: { offered: number; measuredMs: number; predictedMs: number | null }[];
}

/**
 * Measured mean queue wait against offered load, with the Erlang C prediction overlaid.
 * With a capacity model the servers are the virtual CPUs, the service time the model's, and the
 * wait the connectors' wait for a virtual CPU; otherwise the servers are slots, the service time
 * the backend's as the connectors measured it, and the wait the relay's queue wait. Erlang C
 * assumes exponential service times; for others the prediction is M/G/c by the Allen–Cunneen
 * approximation, Erlang C × (1 + SCV) / 2 (exactly M/M/c when SCV is 1).
 */
export function queueingModel(run: RunData): QueueingModel | undefined {
  const { options } = run.summary;
  const servers = Number(options['servers'] ?? 0);
  const serversKind = options['serversKind'] === 'vcpus' ? 'vcpus' : 'slots';
  const services = run.samples.flatMap((s) => (s.relay?.serviceMeanMs ? [[s.relay.serviceMeanMs, s.relay.dispatched] as const] : []));
  const weight = services.reduce((n, [, w]) => n + w, 0);
  const serviceMs = serversKind === 'vcpus' ? Number(options['modelServiceMs'] ?? 0) : weight && services.reduce((n, [ms, w]) => n + ms * w, 0) / weight;
  if (!servers || !serviceMs) return undefined;
  const serviceScv = serversKind === 'vcpus' ? Number(options['modelServiceScv'] ?? 1) : 1;
  const points = run.samples.flatMap((s) => {
    const measured = serversKind === 'vcpus' ? s.relay?.cpuWaitMeanMs : s.relay?.queueWaitMeanMs;
    if (measured === null || measured === undefined || s.http.sent === 0) return [];
    const predicted = mgcWaitMs(s.http.sent, serviceMs, serviceScv, servers);
    return [{ offered: s.http.sent, measuredMs: measured, predictedMs: predicted }];
  });
  return { servers, serversKind, serviceMs, serviceScv, points };
}

/** Mean queue wait (ms) of M/G/c by Allen–Cunneen; null at or past saturation. */
export function mgcWaitMs(lambda: number, serviceMs: number, scv: number, servers: number): number | null {
  const w = erlangCWaitSeconds(lambda, serviceMs / 1000, servers);
  return w === null ? null : w * 1000 * ((1 + scv) / 2);
}

/** How the report names the servers. */
export const SERVERS_NAMED = { slots: 'slots (no capacity model)', vcpus: 'virtual CPUs (capacity model)' } as const;

/** The queueing chart's floor: its log axis cannot show 0, and waits below this are noise. */
const LOG_FLOOR_MS = 0.01;

export function queueingChart(run: RunData): ChartSpec | undefined {
  const model = queueingModel(run);
  if (!model) return undefined;
  const capacity = (model.servers / model.serviceMs) * 1000;
  const curve: [number, number | null][] = [];
  for (let i = 1; i <= 60; i++) {
    const lambda = (capacity * i) / 60;
    const w = mgcWaitMs(lambda, model.serviceMs, model.serviceScv, model.servers);
    curve.push([lambda, w === null || w < LOG_FLOOR_MS ? null : Math.min(w, 5000)]);
  }
  return {
    id: 'erlang-c',
    title: `Queue wait vs offered load: measured vs ${predictionName(model)}`,
    // A log axis: on a linear one the waits below capacity, which is where the model is tested, lie flat on the floor.
    note: `c = ${model.servers} ${SERVERS_NAMED[model.serversKind]}, S = ${model.serviceMs.toFixed(1)} ms, capacity c / S = ${capacity.toFixed(0)} req/s (marked); log axis, waits under ${LOG_FLOOR_MS} ms not drawn`,
    xLabel: 'offered load (requests / s)',
    yLabel: 'mean queue wait (ms)',
    yLog: true,
    series: [
      {
        name: model.serversKind === 'vcpus' ? 'measured (connectors)' : 'measured (relay)',
        points: model.points.map((p) => [p.offered, p.measuredMs >= LOG_FLOOR_MS ? p.measuredMs : null] as const),
        dots: true,
      },
      { name: predictionName(model), points: curve },
    ],
    markers: [{ x: capacity, label: `capacity ${capacity.toFixed(0)} req/s` }],
  };
}

/** `M/M/c` when the service time is taken as exponential, else `M/G/c (SCV 6.1)`. */
export function predictionName(model: Pick<QueueingModel, 'serviceScv'>): string {
  return model.serviceScv === 1 ? 'M/M/c' : `M/G/c (SCV ${model.serviceScv.toFixed(2)})`;
}
