import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { faultAnnotation, Grid, quantile, rate, relaySimDashboard, timeseries } from './panels.ts';

/** What the load runner sees while `npm run load` runs (its metrics on :9600). */
export function loadTest(): DashboardBuilder {
  const g = new Grid();
  return relaySimDashboard('Load test', 'relay-sim-load-test')
    .annotation(faultAnnotation())
    .withPanel(
      timeseries(g, 'Requests by scenario and outcome', 'reqps', [
        { expr: `sum by (scenario, outcome) (${rate('loadgen_requests_total')})`, legend: '{{scenario}} {{outcome}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'Client latency (from intended send time)', 's', [
        { expr: quantile(0.5, 'loadgen_latency_seconds', ['scenario']), legend: 'p50 {{scenario}}' },
        { expr: quantile(0.99, 'loadgen_latency_seconds', ['scenario']), legend: 'p99 {{scenario}}' },
      ]),
    )
    .withPanel(timeseries(g, 'Dropped arrivals', 'reqps', [{ expr: `sum by (scenario) (${rate('loadgen_dropped_total')})`, legend: '{{scenario}}' }]))
    .withPanel(
      timeseries(g, 'WebSocket round-trip time', 's', [
        { expr: quantile(0.5, 'loadgen_ws_rtt_seconds', []), legend: 'p50' },
        { expr: quantile(0.99, 'loadgen_ws_rtt_seconds', []), legend: 'p99' },
      ]),
    );
}
