import { after } from 'node:test';
import { SimCluster } from '../../sim/cluster/sim-cluster.ts';
import type { TopologyView } from '../../sim/cluster/topology-view.ts';
import { parseTopology, type TopologyInput } from '../../sim/cluster/topology.ts';

export interface RunningSim {
  readonly cluster: SimCluster;
  readonly view: TopologyView;
  /** The first relay's public origin; send requests here with a Host header. */
  readonly publicUrl: string;
  metricsUrl(id: string): string;
}

/** Starts a real multi-process sim on ephemeral ports and stops it after the test file. */
export async function startSim(topology: TopologyInput): Promise<RunningSim> {
  const cluster = new SimCluster(parseTopology(topology, 'test topology'), {
    basePort: 0,
    logLevel: process.env['RELAY_SIM_TEST_LOG'] ?? 'error',
  });
  after(() => cluster.close());
  await cluster.start();
  const view = cluster.view();
  const metricsUrls = new Map<string, string>([
    ...view.relays.map((r) => [r.id, r.metricsUrl] as const),
    ...view.connectors.map((c) => [c.id, c.metricsUrl] as const),
    ...view.backends.map((b) => [b.id, b.metricsUrl] as const),
  ]);
  return {
    cluster,
    view,
    publicUrl: view.relays[0]!.publicUrl,
    metricsUrl: (id) => {
      const url = metricsUrls.get(id);
      if (!url) throw new Error(`no component ${id}`);
      return url;
    },
  };
}
