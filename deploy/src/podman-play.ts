import { Deployment } from 'kubernetes-models/apps/v1';
import type { Topology } from '../../sim/cluster/topology.ts';
import { PORTS, stackConfigs } from './stack-configs.ts';
import { container, selectorOf } from './workloads.ts';

/** The relay's public port on the host for `podman kube play` (127.0.0.1 only; 8080 is the local sim's). */
export const PLAY_HOST_PORT = 18080;

/**
 * The relay, one connector group (its first connector) and the backend as one pod, for `podman
 * kube play`: it ignores Services, so the containers find each other on localhost, and the
 * relay's public port is published on 127.0.0.1. Configs are inline (no ConfigMap to create).
 */
export function podmanPlay(topology: Topology): Deployment {
  const group = topology.groups.find((g) => g.connectors > 0) ?? topology.groups[0]!;
  const configs = stackConfigs({ ...topology, groups: [{ ...group, connectors: 1 }] }, { relay: '127.0.0.1', backend: '127.0.0.1' });
  const inline = (c: ReturnType<typeof container>, config: object) => ({
    ...c,
    env: c.env!.map((e) => (e.name === 'RELAY_SIM_CONFIG' ? { name: e.name, value: JSON.stringify(config) } : e)),
  });
  const relay = container('relay', 'relay', 'relay.json', PORTS.relayMetrics, {
    public: PORTS.public,
    connector: PORTS.connector,
    metrics: PORTS.relayMetrics,
  });
  const labels = { ...selectorOf('relay'), 'app.kubernetes.io/instance': 'podman-play' };
  const object = new Deployment({
    metadata: { name: 'relay-sim-play', labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            inline(container('backend', 'backend', 'backend.json', PORTS.backend, { http: PORTS.backend }), configs.backend),
            inline(
              { ...relay, ports: relay.ports!.map((p) => (p.containerPort === PORTS.public ? { ...p, hostPort: PLAY_HOST_PORT, hostIP: '127.0.0.1' } : p)) },
              configs.relay,
            ),
            inline(
              container('connector', 'connector', 'connector.json', PORTS.connectorMetrics, { metrics: PORTS.connectorMetrics }),
              configs.groups[0]!.config,
            ),
          ].map((c) => ({ ...c, image: `localhost/${c.image}` })),
        },
      },
    },
  });
  object.validate();
  return object;
}
