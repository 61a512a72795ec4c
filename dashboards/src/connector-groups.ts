import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { faultAnnotation, Grid, labelVariable, quantile, rate, relaySimDashboard, timeseries } from './panels.ts';

/** Per-connector view of the groups: in-flight, backend latency, reconnects, control channels. */
export function connectorGroups(): DashboardBuilder {
  const g = new Grid();
  const relaySide = '{group=~"$group", connector=~"$connector"}';
  const connectorSide = '{group=~"$group", instance_id=~"$connector"}';
  return relaySimDashboard('Connector groups', 'relay-sim-connector-groups')
    .withVariable(labelVariable('group', 'Group', 'relay_connectors'))
    .withVariable(labelVariable('connector', 'Connector', 'relay_connector_inflight{group=~"$group"}'))
    .annotation(faultAnnotation())
    .withPanel(
      timeseries(g, 'In flight per connector (relay view)', 'short', [
        { expr: `sum by (group, connector) (relay_connector_inflight${relaySide})`, legend: '{{connector}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'In flight per connector (connector view)', 'short', [
        { expr: `sum by (instance_id) (connector_inflight_requests${connectorSide})`, legend: '{{instance_id}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'Backend latency per connector', 's', [
        { expr: quantile(0.5, 'connector_backend_duration_seconds', ['instance_id'], connectorSide), legend: 'p50 {{instance_id}}' },
        { expr: quantile(0.99, 'connector_backend_duration_seconds', ['instance_id'], connectorSide), legend: 'p99 {{instance_id}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'Wait for a virtual CPU (capacity model)', 's', [
        { expr: quantile(0.99, 'connector_cpu_wait_seconds', ['instance_id', 'kind'], connectorSide), legend: 'p99 {{instance_id}} {{kind}}' },
        { expr: `sum by (instance_id) (${rate(`connector_cpu_late_total${connectorSide}`)})`, legend: 'host behind the model {{instance_id}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'Requests served by code', 'reqps', [
        { expr: `sum by (instance_id, code) (${rate(`connector_requests_total${connectorSide}`)})`, legend: '{{instance_id}} {{code}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'Reconnects', 'short', [
        { expr: `sum by (instance_id) (increase(connector_reconnects_total${connectorSide}[$__rate_interval]))`, legend: '{{instance_id}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'Link errors by cause (proxy, TLS, reachability)', 'short', [
        { expr: `sum by (instance_id, code) (increase(connector_link_errors_total${connectorSide}[$__rate_interval]))`, legend: '{{instance_id}} {{code}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'Control channels by state', 'short', [
        { expr: `sum by (instance_id, state) (connector_control_channels${connectorSide})`, legend: '{{instance_id}} {{state}}' },
      ]),
    )
    .withPanel(
      timeseries(g, 'WebSocket tunnels', 'short', [{ expr: `sum by (instance_id) (connector_ws_tunnels_active${connectorSide})`, legend: '{{instance_id}}' }]),
    )
    .withPanel(
      timeseries(g, 'Bytes through connectors', 'Bps', [
        { expr: `sum by (instance_id, direction) (${rate(`connector_bytes_total${connectorSide}`)})`, legend: '{{instance_id}} {{direction}}' },
      ]),
    );
}
