import { DURATION_BUCKETS } from '../../sim/common/buckets.ts';
import type { SecondSample } from '../run/run-profile.ts';
import { queueingChart } from './queueing-model.ts';
import { scenarioLatency, spectrumX } from './scenario-latency.ts';
import type { RunData } from './summary.ts';
import type { ChartSpec, Series } from './svg-chart.ts';

type Marker = NonNullable<ChartSpec['markers']>[number];

/** Faults as labelled bands from the fault to its recovery (a line where it never recovered), and the warm-up's end. */
function markersOf(run: RunData): Marker[] {
  const { summary } = run;
  const warmup = summary.http.afterWarmup;
  const recovery = (at: number, action: string) => summary.failover?.perFault.find((f) => f.atMs === at && f.action === action)?.recoveryMs;
  return [
    ...(warmup ? [{ x: warmup.fromS, label: 'warm-up ends' }] : []),
    ...summary.faults.map((f) => {
      const recovered = recovery(f.at, f.action);
      return {
        x: f.at / 1000,
        label: `${f.action} ${f.target.split(':')[1] ?? f.target}${f.ok ? '' : ' (refused)'}`,
        ...(recovered ? { until: (f.at + recovered) / 1000 } : {}),
      };
    }),
    // A rolling update is one fault with a step per connector: mark each connector going down.
    ...(summary.events ?? []).filter((e) => e.action === 'update-step').map((e) => ({ x: e.tMs / 1000, label: `update ${e.target.split(':')[1]}` })),
  ];
}

/** Every chart of the report. `compare` overlays another run's throughput and p99. */
export function charts(run: RunData, compare?: RunData): ChartSpec[] {
  const { samples } = run;
  const markers = markersOf(run);
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
      title: 'Latency percentiles over time, all HTTP scenarios (from intended send time)',
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
    ...scenarioCharts(run, markers),
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
      note: `p99 is interpolated inside the relay's histogram buckets (bounds ${bucketBoundsMs()} ms); the mean is exact`,
      xLabel: 'seconds',
      yLabel: 'ms',
      series: [
        { name: 'mean', points: per((s) => s.relay?.queueWaitMeanMs ?? null) },
        { name: 'p99 (bucket-interpolated)', points: per((s) => s.relay?.queueWaitP99Ms ?? null), dots: true },
      ],
      markers,
    },
    ...webSocketCharts(samples, markers),
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

/** Per HTTP scenario, from its `.hlog`: p50 and p99 over time, and the whole run's percentile spectrum. */
function scenarioCharts(run: RunData, markers: Marker[]): ChartSpec[] {
  const latencies = Object.entries(run.hlogs ?? {}).map(([name, text]) => [name, scenarioLatency(text)] as const);
  if (latencies.length === 0) return [];
  const ticks = [0, 90, 99, 99.9, 99.99, 99.999].map((p) => ({ x: spectrumX(p), label: `${p}%` }));
  return [
    {
      id: 'scenario-latency',
      title: 'Latency over time by scenario',
      xLabel: 'seconds',
      yLabel: 'ms (log)',
      yLog: true,
      series: latencies.flatMap(([name, l]) => [
        { name: `${name} p99`, points: l.seconds.map((s) => [s.t, s.p99] as const) },
        { name: `${name} p50`, points: l.seconds.map((s) => [s.t, s.p50] as const), dashed: true },
      ]),
      markers,
    },
    {
      id: 'spectrum',
      title: 'Latency by percentile (HDR percentile spectrum), whole run',
      note: 'each curve stops at the highest percentile its request count resolves',
      xLabel: 'percentile',
      yLabel: 'ms (log)',
      yLog: true,
      hoverX: (x) => `p${Number((100 - 100 / 10 ** x).toPrecision(6))}`,
      xTicks: ticks.filter((t) => t.x <= Math.max(...latencies.map(([, l]) => l.spectrum.at(-1)?.[0] ?? 0)) + 0.01),
      series: latencies.map(([name, l]) => ({ name: `${name} (${l.count} requests)`, points: l.spectrum })),
    },
  ];
}

/** Open sessions, and each second's closes by code and reconnects (from the cumulative counts in the samples). */
function webSocketCharts(samples: readonly SecondSample[], markers: Marker[]): ChartSpec[] {
  const sessions: ChartSpec = {
    id: 'websockets',
    title: 'WebSocket sessions',
    xLabel: 'seconds',
    yLabel: 'sessions',
    series: [
      { name: 'open (client)', points: samples.map((s) => [s.t, s.ws?.open ?? null] as const) },
      { name: 'active (relay)', points: samples.map((s) => [s.t, s.relay?.wsActive ?? null] as const) },
    ],
    markers,
  };
  if (!samples.some((s) => s.ws || s.relay?.wsActive)) return []; // a run without WebSockets
  const codes = [...new Set(samples.flatMap((s) => Object.keys(s.ws?.closes ?? {})))].sort();
  if (!samples.some((s) => s.ws?.closes)) return [sessions];
  const perSecond = (count: (s: SecondSample) => number | undefined) =>
    samples.map((s, i) => {
      const now = count(s);
      return [s.t, now === undefined ? null : now - (i > 0 ? (count(samples[i - 1]!) ?? 0) : 0)] as const;
    });
  const closes: ChartSpec = {
    id: 'websocket-closes',
    title: 'WebSocket closes by code, and reconnects',
    xLabel: 'seconds',
    yLabel: 'per second',
    series: [
      ...codes.map((code) => ({ name: `closed ${code}`, points: perSecond((s) => (s.ws?.closes ? (s.ws.closes[code] ?? 0) : undefined)) })),
      { name: 'reconnected', points: perSecond((s) => s.ws?.reconnected), dashed: true },
    ],
    markers,
  };
  return [sessions, closes];
}

const bucketBoundsMs = () =>
  DURATION_BUCKETS.filter((b) => b <= 1)
    .map((b) => b * 1000)
    .join(', ') + ', …';
