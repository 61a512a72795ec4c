import { z } from 'zod';
import { FaultProxy } from './fault-proxy.ts';
import { installable, type Toxic } from './toxics.ts';

/**
 * One network hop of the simulated deployment, persistent from start (not a live fault): a
 * round-trip time, optional jitter on it, optional bandwidth each way.
 */
export const Hop = z.strictObject({
  rttMs: z.number().min(0).max(10_000),
  /** ± this much on the round trip, drawn per chunk. */
  jitterMs: z.number().min(0).max(10_000).default(0),
  /** Each way, in KiB/s; absent: as fast as the machine. */
  bandwidthKBps: z.number().positive().optional(),
});
export type Hop = z.infer<typeof Hop>;

/** Name prefix of distance toxics: `heal` removes live faults, never these. */
export const DISTANCE_PREFIX = 'distance_';

/**
 * A hop as toxics on a link: half the round trip (and half the jitter) each way, and the
 * bandwidth each way. Applied to every connection of the link, from its start.
 */
export function distanceToxics(hop: Hop): Toxic[] {
  return (['upstream', 'downstream'] as const).flatMap((stream) => [
    installable({
      type: 'latency',
      name: `${DISTANCE_PREFIX}latency_${stream}`,
      stream,
      toxicity: 1,
      attributes: { latency: hop.rttMs / 2, jitter: hop.jitterMs / 2 },
    }),
    ...(hop.bandwidthKBps
      ? [installable({ type: 'bandwidth', name: `${DISTANCE_PREFIX}bandwidth_${stream}`, stream, toxicity: 1, attributes: { rate: hop.bandwidthKBps } })]
      : []),
  ]);
}

/**
 * A proxy carrying `hop` in front of `url` (same scheme: TLS passes through): the load rig sends
 * users' traffic through one per relay instance, so the user ↔ relay hop is applied client side.
 */
export async function behindDistance(url: string, hop: Hop): Promise<{ url: URL; close(): Promise<void> }> {
  const target = new URL(url);
  const proxy = new FaultProxy({ host: target.hostname, port: Number(target.port) });
  for (const toxic of distanceToxics(hop)) proxy.addToxic(toxic);
  const front = new URL(await proxy.start());
  front.protocol = target.protocol;
  return { url: front, close: () => proxy.close() };
}
