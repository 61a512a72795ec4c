import http from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { SimCluster } from '../../sim/cluster/sim-cluster.ts';
import { DEFAULT_TOPOLOGY_PATH, loadTopologyFile, parseTopology, type Topology } from '../../sim/cluster/topology.ts';
import type { Profile } from '../profiles/profile.ts';
import type { LoadTarget } from './http-scenarios.ts';
import { SimError } from '../../sim/common/sim-error.ts';
import { ControlClient } from '../../sim/cluster/control-client.ts';
import type { TopologyView } from '../../sim/cluster/topology-view.ts';
import type { FailoverMode } from '../../sim/relay/relay-config.ts';
import { behindDistance } from '../../sim/faults/distance.ts';
import { headroomWarning } from '../../sim/connector/capacity-model.ts';

export class TargetUnreachableError extends SimError<'target_unreachable'> {
  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super('target_unreachable', message, { ...options, retryable: true });
  }
}

/** Where a run sends traffic, and where it reads relay-side truth (metrics, events, faults). */
export interface RunTarget extends LoadTarget {
  readonly url: string;
  readonly controlUrl: string | undefined;
  /** Every relay instance's /metrics (empty without a control API for an external target). */
  readonly relayMetrics: readonly { id: string; url: string }[];
  /** The embedded sim's topology (undefined for an external target). */
  readonly topology?: Topology;
  /** The sim's failover mode (topology `failover.mode`); undefined if unknown (no control API). */
  readonly failoverMode: FailoverMode | undefined;
  readonly connectorMetricsUrls: readonly string[];
  /** The apps the target publishes (their hosts: hostOf). */
  readonly apps: readonly string[];
  readonly componentMetrics: readonly { id: string; url: string }[];
  close(): Promise<void>;
}

/**
 * Starts the embedded sim for the profile (its own topology, or `topologyPath`, or the default);
 * `failoverMode` overrides the topology's, and `adjust` changes it further (command-line overrides).
 */
export async function embeddedTarget(
  profile: Profile,
  options: { topologyPath?: string | undefined; failoverMode?: FailoverMode | undefined; adjust?: ((topology: Topology) => Topology) | undefined },
  onProgress: (m: string) => void,
): Promise<RunTarget> {
  const chosen = options.topologyPath
    ? await loadTopologyFile(options.topologyPath)
    : profile.topology
      ? parseTopology(profile.topology, `profile ${profile.name}`)
      : await loadTopologyFile(DEFAULT_TOPOLOGY_PATH);
  const moded = options.failoverMode ? { ...chosen, failover: { mode: options.failoverMode } } : chosen;
  // Command-line overrides (--connectors, --backend-delay) are checked as a topology file would be.
  const topology = options.adjust ? parseTopology(options.adjust(moded), 'the topology with the command line overrides') : moded;
  const headroom = headroomWarning(topology.groups);
  if (headroom) onProgress(`warning: ${headroom}`);
  const cluster = new SimCluster(topology, { basePort: 0, logLevel: 'error', onProgress });
  await cluster.start();
  const view = cluster.view();
  const relay = view.relays[0]!;
  // The user ↔ relay hop (topology network.users) is applied here, client side, through a proxy per instance.
  const users = topology.network.users;
  const fronts = users ? await Promise.all(view.relays.map((r) => behindDistance(r.publicUrl, users))) : [];
  const instances = fronts.length ? fronts.map((f) => f.url) : view.relays.map((r) => new URL(r.publicUrl));
  return {
    url: relay.publicUrl,
    origin: instances[0]!,
    // Users spread over every relay instance, per connection, as a network load balancer spreads them.
    instances,
    ca: view.tls?.caCertificatePem,
    ...appHosts(view.apps),
    controlUrl: view.controlUrl,
    relayMetrics: view.relays.map((r) => ({ id: r.id, url: r.metricsUrl })),
    topology,
    failoverMode: view.failoverMode,
    connectorMetricsUrls: view.connectors.map((c) => c.metricsUrl),
    componentMetrics: [...view.relays, ...view.connectors, ...view.backends].map((c) => ({ id: c.id, url: c.metricsUrl })),
    close: async () => {
      await Promise.all(fronts.map((f) => f.close()));
      await cluster.close();
    },
  };
}

/**
 * An existing relay at `url` (e.g. the compose stack); `controlUrl` unlocks relay-side figures and
 * faults. Apps' hosts come from the control API's /topology; without one, from the running sim's
 * topology file (`topologyPath`, or the default topology), named as the sim names them.
 */
export async function externalTarget(url: string, controlUrl: string | undefined, ca?: string, topologyPath?: string): Promise<RunTarget> {
  const origin = new URL(url);
  try {
    await probe(origin, ca);
  } catch (err) {
    throw new TargetUnreachableError(
      `cannot reach ${url}: ${(err as Error).message}. Start the sim (npm run sim) or check --target${origin.protocol === 'https:' ? ' and --ca' : ''}.`,
    );
  }
  let topology: TopologyView | undefined;
  if (controlUrl) {
    try {
      topology = await new ControlClient(controlUrl, { timeoutMs: 3000 }).topology();
    } catch (err) {
      throw new TargetUnreachableError((err as Error).message, { cause: err });
    }
  }
  return {
    url,
    origin,
    ca,
    ...appHosts(topology?.apps ?? (await filedApps(topologyPath ?? DEFAULT_TOPOLOGY_PATH, origin))),
    controlUrl,
    relayMetrics: topology?.relays.map((r) => ({ id: r.id, url: r.metricsUrl })) ?? [],
    failoverMode: topology?.failoverMode,
    connectorMetricsUrls: topology?.connectors.map((c) => c.metricsUrl) ?? [],
    componentMetrics: topology?.connectors.map((c) => ({ id: c.id, url: c.metricsUrl })) ?? [],
    close: async () => undefined,
  };
}

/** The apps a target publishes and the Host header of each, from their external URLs. */
function appHosts(apps: readonly { name: string; externalUrl: string }[]): Pick<RunTarget, 'apps' | 'hostOf'> {
  const hosts = new Map(apps.map((app) => [app.name, new URL(app.externalUrl).host]));
  return {
    apps: [...hosts.keys()],
    hostOf: (app) => hosts.get(app) ?? `${app}.invalid`, // never reached: missingApps() refuses the run first
  };
}

/** A topology file's apps at `origin`, with the external URLs the sim gives them (sim-cluster.ts). */
async function filedApps(path: string, origin: URL) {
  const topology = await loadTopologyFile(path);
  const port = origin.port || (origin.protocol === 'https:' ? '443' : '80');
  return topology.apps.map((app) => ({ name: app.name, externalUrl: `${origin.protocol}//${app.name}.${topology.domain}:${port}` }));
}

/** The profile's apps the target does not publish; a run is refused with them named. */
export function missingApps(target: Pick<RunTarget, 'apps'>, profile: Profile): string[] {
  return [...new Set(profile.scenarios.map((s) => s.app))].filter((app) => !target.apps.includes(app));
}

/** One GET to the target's root: any HTTP answer means it is reachable (and, for https, trusted). */
function probe(origin: URL, ca: string | undefined): Promise<void> {
  const client = origin.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(new URL('/', origin), { timeout: 3000, ...(ca ? { ca } : {}) }, (res) => {
      res.resume();
      resolve();
    });
    req.once('timeout', () => req.destroy(new Error('no answer within 3 s')));
    req.once('error', reject);
  });
}
