import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { Grid, labelVariable, rate, relaySimDashboard, timeseries } from './panels.ts';

/** Node.js runtime of every component: event-loop lag, heap, GC, CPU, memory. */
export function nodeRuntime(): DashboardBuilder {
  const g = new Grid();
  const job = '{job=~"$job"}';
  return relaySimDashboard('Node runtime', 'relay-sim-node-runtime')
    .withVariable(labelVariable('job', 'Component', 'process_cpu_seconds_total'))
    .withPanel(
      timeseries(g, 'Event-loop lag p99', 's', [{ expr: `max by (job, instance) (nodejs_eventloop_lag_p99_seconds${job})`, legend: '{{job}} {{instance}}' }]),
    )
    .withPanel(
      timeseries(g, 'CPU', 'percentunit', [{ expr: `sum by (job, instance) (${rate(`process_cpu_seconds_total${job}`)})`, legend: '{{job}} {{instance}}' }]),
    )
    .withPanel(timeseries(g, 'Heap used', 'bytes', [{ expr: `sum by (job, instance) (nodejs_heap_size_used_bytes${job})`, legend: '{{job}} {{instance}}' }]))
    .withPanel(
      timeseries(g, 'Resident memory', 'bytes', [{ expr: `sum by (job, instance) (process_resident_memory_bytes${job})`, legend: '{{job}} {{instance}}' }]),
    )
    .withPanel(
      timeseries(g, 'GC time by kind', 'percentunit', [
        { expr: `sum by (job, instance, kind) (${rate(`nodejs_gc_duration_seconds_sum${job}`)})`, legend: '{{job}} {{instance}} {{kind}}' },
      ]),
    )
    .withPanel(timeseries(g, 'Open file descriptors', 'short', [{ expr: `sum by (job, instance) (process_open_fds${job})`, legend: '{{job}} {{instance}}' }]));
}
