import type { Topology } from '../../sim/cluster/topology.ts';
import { resolveCapacity, serviceScv } from '../../sim/connector/capacity-model.ts';
import type { Profile } from '../profiles/profile.ts';

/** The servers of the Erlang C overlay, and what they are. */
export interface QueueingServers {
  /** c: virtual CPUs × connectors with a capacity model, else slots × connectors. */
  readonly servers: number;
  readonly serversKind: 'vcpus' | 'slots';
  /** With virtual CPUs: the model's mean CPU time per request (ms), the overlay's service time. */
  readonly modelServiceMs?: number;
  /** With virtual CPUs: the squared coefficient of variation of the model's CPU time (M/G/c). */
  readonly modelServiceScv?: number;
}

/**
 * What queues in the group serving a queueing profile's first HTTP app: with a capacity model,
 * requests wait for virtual CPUs inside the connectors; without one, for slots in the relay.
 * Undefined for profiles without the overlay, or when the group is not in the topology.
 */
export function queueingServers(profile: Profile, topology: Topology | undefined): QueueingServers | undefined {
  if (!profile.queueingModel || !topology) return undefined;
  const app = profile.scenarios.find((s) => s.kind !== 'ws')?.app;
  const group = topology.groups.find((g) => g.name === topology.apps.find((a) => a.name === app)?.group);
  if (!group) return undefined;
  const model = resolveCapacity(group.capacity);
  return model
    ? { servers: group.connectors * model.cores, serversKind: 'vcpus', modelServiceMs: model.perRequestMs, modelServiceScv: serviceScv(model) }
    : { servers: group.connectors * group.slots, serversKind: 'slots' };
}
