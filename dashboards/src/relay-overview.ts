import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { faultAnnotation, Grid, labelVariable, quantile, rate, relaySimDashboard, timeseries } from './panels.ts';

/** RED per app, queues per group, connectors, failovers and retries, WebSockets, bytes. */
export function relayOverview(): DashboardBuilder {
  const g = new Grid();
  const app = '{app=~"$app"}';
  const group = '{group=~"$group"}';
  return relaySimDashboard('Relay overview', 'relay-sim-relay-overview')
    .withVariable(labelVariable('group', 'Group', 'relay_connectors'))
    .withVariable(labelVariable('app', 'App', 'relay_requests_total'))
    .annotation(faultAnnotation())
    .withPanel(
      timeseries(g, 'Requests by app and status', 'reqps', [
        { expr: `sum by (app, code) (${rate(`relay_requests_total${app}`)})`, legend: '{{app}} {{code}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'Errors (5xx) by app', 'reqps', [
        { expr: `sum by (app, code) (${rate(`relay_requests_total{app=~"$app", code=~"5.."}`)})`, legend: '{{app}} {{code}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'Request duration by app (to the last byte)', 's', [
        { expr: quantile(0.5, 'relay_request_duration_seconds', ['app'], app), legend: 'p50 {{app}}' },
        { expr: quantile(0.99, 'relay_request_duration_seconds', ['app'], app), legend: 'p99 {{app}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'Time to first byte by app', 's', [{ expr: quantile(0.99, 'relay_time_to_first_byte_seconds', ['app'], app), legend: 'p99 {{app}}' }]),
    )
    .withPanel(timeseries(g, 'Queue depth by group', 'short', [{ expr: `sum by (group) (relay_queue_depth${group})`, legend: '{{group}}' }]))
    .withPanel(
      timeseries(g, 'Queue wait by group', 's', [
        { expr: quantile(0.5, 'relay_queue_wait_seconds', ['group'], group), legend: 'p50 {{group}}' },
        { expr: quantile(0.99, 'relay_queue_wait_seconds', ['group'], group), legend: 'p99 {{group}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'Queue rejections by reason', 'reqps', [
        { expr: `sum by (group, reason) (${rate(`relay_queue_rejected_total${group}`)})`, legend: '{{group}} {{reason}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'Connectors by group and state', 'short', [{ expr: `sum by (group, state) (relay_connectors${group})`, legend: '{{group}} {{state}}' }]),
    )
    .withPanel(
      timeseries(g, 'Failovers, requests lost in flight, retries', 'short', [
        { expr: `sum by (group, reason) (increase(relay_failovers_total${group}[$__rate_interval]))`, legend: 'failover {{group}} {{reason}}' },
        { expr: `sum by (group, stage) (increase(relay_requests_lost_total${group}[$__rate_interval]))`, legend: 'lost {{group}} {{stage}}' },
        { expr: `sum by (group, reason) (increase(relay_retries_total${group}[$__rate_interval]))`, legend: 'retry {{group}} {{reason}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'Failover detection time', 's', [{ expr: quantile(0.99, 'relay_failover_detection_seconds', ['group'], group), legend: 'p99 {{group}}' }]),
    )
    .withPanel(
      timeseries(g, 'WebSocket sessions', 'short', [
        { expr: `sum by (app) (relay_ws_sessions_active${app})`, legend: 'active {{app}}' },
        { expr: `sum by (app, outcome) (increase(relay_ws_sessions_total${app}[$__rate_interval]))`, legend: 'ended {{app}} {{outcome}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'WebSocket messages', 'short', [
        { expr: `sum by (app, direction) (${rate(`relay_ws_messages_total${app}`)})`, legend: '{{app}} {{direction}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'Bytes relayed', 'Bps', [{ expr: `sum by (app, direction) (${rate(`relay_bytes_total${app}`)})`, legend: '{{app}} {{direction}}' }]),
    )
    .withPanel(
      timeseries(g, 'Connector TLS connections refused (tls: on)', 'short', [
        { expr: 'sum by (reason) (increase(relay_connector_handshakes_refused_total[$__rate_interval]))', legend: '{{reason}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'Dispatches by connector', 'reqps', [
        { expr: `sum by (group, connector) (${rate(`relay_dispatch_total${group}`)})`, legend: '{{group}} {{connector}}' },
      ]),
    );
}
