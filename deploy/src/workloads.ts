import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Service, type IContainer } from 'kubernetes-models/v1';
import { ENTRY, IMAGE, PORTS, type GroupConfig } from './stack-configs.ts';

// The sim's workloads as Kubernetes objects: the relay behind a Service (as App Proxy's instances
// sit behind a load balancer), a Deployment per connector group sized as the group, the backend,
// their configs in one ConfigMap. Every object is checked against its schema when built.

export const CONFIG_MAP = 'relay-sim-config';
const NAME = 'relay-sim';

export type Component = 'relay' | 'connector' | 'backend';

/** The labels that select a component's pods (and a connector group's). */
export function selectorOf(component: Component, group?: string): Record<string, string> {
  return { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/component': component, ...(group ? { 'relay-sim/group': group } : {}) };
}

/** A component's container: the image's entry for it, its config from the ConfigMap, probes on its ops port. */
export function container(component: Component, name: string, configKey: string, opsPort: number, ports: Record<string, number>, cores?: number): IContainer {
  return {
    name,
    image: IMAGE,
    imagePullPolicy: 'IfNotPresent',
    command: ['node', '--import', 'tsx', ENTRY[component]],
    env: [
      { name: 'OPS_PORT', value: String(opsPort) },
      { name: 'RELAY_SIM_CONFIG', valueFrom: { configMapKeyRef: { name: CONFIG_MAP, key: configKey } } },
    ],
    ports: Object.entries(ports).map(([portName, containerPort]) => ({ name: portName, containerPort })),
    readinessProbe: { httpGet: { path: '/readyz', port: opsPort }, periodSeconds: 2, failureThreshold: 3 },
    livenessProbe: { httpGet: { path: '/healthz', port: opsPort }, initialDelaySeconds: 10, periodSeconds: 10 },
    // The capacity model's cores, where the group has one: the pod gets what the model assumes.
    ...(cores ? { resources: { requests: { cpu: String(cores) }, limits: { cpu: String(cores) } } } : {}),
  };
}

function deployment(name: string, component: Component, replicas: number, containers: IContainer[], metricsPort: number, group?: string): Deployment {
  const labels = selectorOf(component, group);
  const object = new Deployment({
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: {
          labels,
          // For a Prometheus that discovers pods by annotation.
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(metricsPort), 'prometheus.io/path': '/metrics' },
        },
        spec: { containers },
      },
    },
  });
  object.validate();
  return object;
}

function service(name: string, component: Component, ports: Record<string, number>, group?: string, headless = false): Service {
  const object = new Service({
    metadata: { name, labels: selectorOf(component, group) },
    spec: {
      selector: selectorOf(component, group),
      ...(headless ? { clusterIP: 'None' } : {}),
      ports: Object.entries(ports).map(([portName, port]) => ({ name: portName, port, targetPort: portName })),
    },
  });
  object.validate();
  return object;
}

/** The relay, each connector group, the backend, and the ConfigMap of their configs and the topology. */
export function workloads(configs: { relay: object; groups: readonly GroupConfig[]; backend: object }, topologyYaml: string) {
  const relayPorts = { public: PORTS.public, connector: PORTS.connector, metrics: PORTS.relayMetrics };
  const configMap = new ConfigMap({
    metadata: { name: CONFIG_MAP, labels: { 'app.kubernetes.io/name': NAME } },
    data: {
      'topology.yaml': topologyYaml,
      'relay.json': JSON.stringify(configs.relay),
      'backend.json': JSON.stringify(configs.backend),
      ...Object.fromEntries(configs.groups.map((g) => [`connector-${g.name}.json`, JSON.stringify(g.config)])),
    },
  });
  configMap.validate();
  return [
    configMap,
    deployment('backend', 'backend', 1, [container('backend', 'backend', 'backend.json', PORTS.backend, { http: PORTS.backend })], PORTS.backend),
    service('backend', 'backend', { http: PORTS.backend }),
    deployment('relay', 'relay', 1, [container('relay', 'relay', 'relay.json', PORTS.relayMetrics, relayPorts)], PORTS.relayMetrics),
    service('relay', 'relay', relayPorts),
    ...configs.groups.flatMap((g) => [
      deployment(
        `connector-${g.name}`,
        'connector',
        g.connectors,
        [container('connector', 'connector', `connector-${g.name}.json`, PORTS.connectorMetrics, { metrics: PORTS.connectorMetrics }, g.cores)],
        PORTS.connectorMetrics,
        g.name,
      ),
      // Headless: connectors take no traffic through it; it names their pods for a ServiceMonitor.
      service(`connector-${g.name}`, 'connector', { metrics: PORTS.connectorMetrics }, g.name, true),
    ]),
  ];
}
