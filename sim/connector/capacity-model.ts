import { availableParallelism } from 'node:os';
import { z } from 'zod';

/**
 * A connector's capacity as App Proxy's documentation describes it: CPU (mostly TLS) is the
 * bottleneck, so a connector is `cores` virtual CPUs and each request costs CPU time. Microsoft's
 * table (connector servers of 2, 4, 8 and 16 cores): 586, 1150, 1190 and ~1200 transactions per
 * second. The per-request cost is cores / TPS (3.41 ms on 2 cores, 3.48 ms on 4); 8 and 16 cores
 * do not scale on, so those presets keep the 4-core cost and cap the rate (`maxTps`).
 */
export const CapacityModel = z.strictObject({
  cores: z.number().int().min(1).max(64),
  /** Mean CPU time per request (TLS, parsing), drawn per request from a lognormal distribution with this mean. */
  perRequestMs: z.number().positive(),
  /**
   * The lognormal's σ: how long the tail of a request's CPU time is (0: every request costs the
   * mean). Microsoft documents no distribution, only a P99 at its maximum rate; the presets' σ is
   * our calibration to it (see CAPACITY_PRESETS). Explicit models default to 0.5, a mild tail.
   */
  tailSigma: z.number().min(0).max(3).default(0.5),
  /**
   * CPU time per KiB moved either way (bodies, WebSocket messages). Microsoft says throughput falls
   * as responses grow but gives no figure: 0.02 ms/KiB is our choice (a 100 KiB response costs
   * 2 ms more, about 60 % of a small request's cost).
   */
  perKiBMs: z.number().min(0).default(0.02),
  /** Requests started per second at most, whatever the cores (the 8- and 16-core plateau). */
  maxTps: z.number().positive().optional(),
});
export type CapacityModel = z.infer<typeof CapacityModel>;

/**
 * Microsoft's documented figures for each preset, and the model calibrated to them. The mean cost
 * gives the TPS; σ (1.4 on 2 cores, 1.6 from 4) puts an M/G/c queue's p99 at 90 % of that rate
 * near Microsoft's P99 (simulated offline: 250–400 ms; the tail is heavy, so short runs vary).
 * What makes a real connector's tail (full TLS handshakes, GC pauses, thread-pool stalls) is not
 * documented; a heavy-tailed per-request cost stands for all of it. The 8- and 16-core presets
 * are paced by maxTps rather than queued on CPUs, so their p99 stays well below Microsoft's.
 */
export const CAPACITY_PRESETS = {
  2: { documented: { tps: 586, p99Ms: 325 }, model: { cores: 2, perRequestMs: 2000 / 586, tailSigma: 1.4, perKiBMs: 0.02 } },
  4: { documented: { tps: 1150, p99Ms: 320 }, model: { cores: 4, perRequestMs: 4000 / 1150, tailSigma: 1.6, perKiBMs: 0.02 } },
  8: { documented: { tps: 1190, p99Ms: 270 }, model: { cores: 8, perRequestMs: 4000 / 1150, tailSigma: 1.6, perKiBMs: 0.02, maxTps: 1190 } },
  16: { documented: { tps: 1200, p99Ms: 245 }, model: { cores: 16, perRequestMs: 4000 / 1150, tailSigma: 1.6, perKiBMs: 0.02, maxTps: 1200 } },
} as const satisfies Record<number, { documented: { tps: number; p99Ms: number }; model: CapacityModel }>;
export type CapacityPreset = keyof typeof CAPACITY_PRESETS;

/**
 * A group's `capacity` in the topology: `unlimited` (as fast as this machine: the sim measures
 * itself), a preset `{ cores: 2 | 4 | 8 | 16 }`, or an explicit model.
 */
export const CapacitySetting = z.union([
  z.literal('unlimited'),
  z.strictObject({ cores: z.union([z.literal(2), z.literal(4), z.literal(8), z.literal(16)]) }),
  CapacityModel,
]);
export type CapacitySetting = z.input<typeof CapacitySetting>;

/** The model a setting stands for; undefined for `unlimited`. */
export function resolveCapacity(setting: z.output<typeof CapacitySetting>): CapacityModel | undefined {
  if (setting === 'unlimited') return undefined;
  if ('perRequestMs' in setting) return setting;
  return { ...CAPACITY_PRESETS[setting.cores].model };
}

/**
 * Real requests per second one core of this machine can carry through the whole sim (load
 * generator, relay, connector, backend). `npm run bench:http` measured about 7,600 GETs/s through
 * the relay on 2 cores, load generator included; half of that per core leaves room for bodies,
 * metrics and noise. A rough guard: `connector_cpu_late_total` is the runtime check.
 */
const HOST_REQUESTS_PER_CORE = 1900;

/**
 * The squared coefficient of variation of a request's CPU time (variance / mean²): e^{σ²} − 1 for
 * the lognormal, 1 for an exponential. The queueing overlay scales Erlang C by (1 + SCV) / 2.
 */
export function serviceScv(model: CapacityModel): number {
  return Math.expm1(model.tailSigma * model.tailSigma);
}

/** The requests per second a model sustains at most: cores / per-request cost, or its maxTps. */
export function modelTps(model: CapacityModel): number {
  return Math.min((model.cores * 1000) / model.perRequestMs, model.maxTps ?? Infinity);
}

/**
 * A warning when the modelled groups could ask more of this machine than it has (`hostCores`);
 * undefined when it has room. `groups`: each group's connector count and capacity setting
 * (unlimited ones are left out: they have no modelled rate).
 */
export function headroomWarning(
  groups: readonly { connectors: number; capacity: z.output<typeof CapacitySetting> }[],
  hostCores = availableParallelism(),
): string | undefined {
  const modelled = groups.reduce((sum, g) => {
    const model = resolveCapacity(g.capacity);
    return sum + (model ? g.connectors * modelTps(model) : 0);
  }, 0);
  const host = hostCores * HOST_REQUESTS_PER_CORE;
  if (modelled <= host) return undefined;
  return (
    `the capacity models add up to ${Math.round(modelled)} requests/s, more than this ${hostCores}-core machine is likely to carry ` +
    `through the sim (about ${host}/s): near saturation, figures would describe this machine, not the model. ` +
    `Watch connector_cpu_late_total, or use fewer connectors or smaller presets.`
  );
}
