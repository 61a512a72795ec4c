import { backendConfigs, connectorConfigs, relayConfigs } from '../../sim/cluster/component-configs.ts';
import { DEFAULT_BASE_PORT, planPorts } from '../../sim/cluster/port-plan.ts';
import type { Topology } from '../../sim/cluster/topology.ts';

/** The one image of every component (Dockerfile; the compose file's `image:`). */
export const IMAGE = 'relay-sim:latest';
/** What the Dockerfile's components listen on (port-plan.ts at its default base). */
const PLAN = planPorts(DEFAULT_BASE_PORT, 1);
export const PORTS = {
  public: PLAN.relay(0).public,
  connector: PLAN.relay(0).connector,
  relayMetrics: PLAN.relay(0).metrics,
  connectorMetrics: PLAN.connectorMetrics(0),
  backend: PLAN.backend(0),
};
export const ENTRY = { relay: 'sim/relay/main.ts', connector: 'sim/connector/main.ts', backend: 'sim/backend/main.ts' } as const;
/** A sim's shared secret, as the compose file's: these manifests run a simulator, not a service. */
const CONNECTOR_TOKEN = 'kube-connector-token';

/** Where each component finds the others: Service names in a cluster, localhost inside one pod (podman kube play). */
export interface Addresses {
  readonly relay: string;
  readonly backend: string;
}

export interface GroupConfig {
  readonly name: string;
  readonly connectors: number;
  /** The capacity model's cores (resource requests follow it), when the group has one. */
  readonly cores: number | undefined;
  readonly config: Record<string, unknown>;
}

/**
 * The components' configs (RELAY_SIM_CONFIG) for a topology, from the sim's own derivation
 * (component-configs.ts), with what a pod cannot share left out: connector ids (each pod's is
 * its hostname), the service's connector → group assignments (keyed by those ids), and the
 * relay's service keys (one relay replica draws its own). One relay: running several needs
 * their keys shared and every connector reaching every replica, which these manifests do not do.
 */
export function stackConfigs(topology: Topology, at: Addresses) {
  const inputs = { topology, host: '0.0.0.0', ports: PLAN, connectorToken: CONNECTOR_TOKEN, serviceKeys: undefined as never };
  const relay = relayConfigs({ ...inputs, topology: { ...topology, relays: 1 } }, () => `http://${at.backend}:${PORTS.backend}`)[0]!.config;
  const { serviceKeys: _keys, assignments: _assignments, ...relayConfig } = relay;
  const relays = [{ id: 'relay-1', url: `http://${at.relay}:${PORTS.connector}` }];
  const groups: GroupConfig[] = topology.groups.map((group) => {
    // The group's config as its first connector would get it; every pod of the group shares it.
    const { id: _id, ...config } = connectorConfigs({ ...inputs, topology: { ...topology, groups: [{ ...group, connectors: 1 }] } }, relays)[0]!.config;
    const capacity = typeof config.capacity === 'object' && config.capacity ? (config.capacity as { cores?: number }).cores : undefined;
    return { name: group.name, connectors: group.connectors, cores: capacity, config: { ...config, metricsPort: PORTS.connectorMetrics } };
  });
  const backend = backendConfigs(inputs)[0]!.config;
  return { relay: { ...relayConfig, id: 'relay-1' }, groups, backend: { ...backend, port: PORTS.backend } };
}
