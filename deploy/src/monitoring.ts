import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { ConfigMap } from 'kubernetes-models/v1';

// Scraping and dashboards for the cluster's Prometheus and Grafana: a ServiceMonitor for
// prometheus-operator users (the pods also carry prometheus.io/* annotations), and the
// dashboards as ConfigMaps labelled for Grafana's sidecar.

/** Every relay-sim Service's `metrics`/`http` port, every second, as the local Prometheus scrapes. */
export function serviceMonitor(): ServiceMonitor {
  const object = new ServiceMonitor({
    metadata: { name: 'relay-sim', labels: { 'app.kubernetes.io/name': 'relay-sim' } },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'relay-sim' } },
      endpoints: [
        { port: 'metrics', path: '/metrics', interval: '1s' },
        // The backend serves /metrics on its one port.
        { port: 'http', path: '/metrics', interval: '1s' },
      ],
    },
  });
  object.validate();
  return object;
}

/** One ConfigMap per dashboard (dashboards/*.json), with the label Grafana's sidecar looks for. */
export function dashboardConfigMaps(dashboards: Record<string, string>): ConfigMap[] {
  return Object.entries(dashboards).map(([file, json]) => {
    const object = new ConfigMap({
      metadata: { name: `relay-sim-dashboard-${file.replace(/\.json$/, '')}`, labels: { grafana_dashboard: '1', 'app.kubernetes.io/name': 'relay-sim' } },
      data: { [file]: json },
    });
    object.validate();
    return object;
  });
}
