import { SimCluster } from '../../sim/cluster/sim-cluster.ts';
import { parseTopology } from '../../sim/cluster/topology.ts';

/** Whole-number benchmark options, validated once; bad input exits 2 naming the option. */
export function positiveIntegers<K extends string>(values: Record<K, string>): Record<K, number> {
  const parsed = {} as Record<K, number>;
  for (const name of Object.keys(values) as K[]) {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1) {
      process.stderr.write(`--${name} must be a positive whole number, got ${values[name]}\n`);
      process.exit(2);
    }
    parsed[name] = value;
  }
  return parsed;
}

/** The benchmarks' system under test: 1 relay, one group of `connectors`, app `echo`, 1 backend. */
export async function startBenchSim(connectors: number, tls: 'on' | 'off' = 'off'): Promise<SimCluster> {
  const topology = parseTopology({ tls, groups: [{ name: 'default', connectors }], apps: [{ name: 'echo', group: 'default' }] }, 'bench');
  const cluster = new SimCluster(topology, { basePort: 0, logLevel: 'error' });
  await cluster.start();
  return cluster;
}
