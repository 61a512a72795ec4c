/**
 * Default ports (DESIGN 3.2), shifted together by `--base-port P` (P replaces 8080). Everything the
 * sim, its Prometheus and the load runner open lies in [P, P + PORT_SPAN), so sims whose base
 * ports differ by PORT_SPAN or more never collide. A base port of 0 makes every component bind an
 * ephemeral port, which is what tests use.
 *
 *   relay k        public 8080+2k, connector endpoint 8081+2k (k < 8), metrics 9100 (k=0) or 9180+k
 *   control API    9070
 *   Prometheus     9090 (npm run sim -- --prometheus)
 *   connector n    metrics 9101+n (n counts across groups, at most 79 with fixed ports)
 *   backend j      9200+j (j < 20)
 *   load runner    9600 (its /metrics while a run lasts: the target's public port + 1520)
 */
import { readFileSync } from 'node:fs';

export const DEFAULT_BASE_PORT = 8080;
/** Every fixed port of one sim and its load runner is in [base, base + PORT_SPAN). */
export const PORT_SPAN = 1600;
/** The load runner's metrics port, above a sim's base port (9600 for 8080). */
export const LOADGEN_PORT_OFFSET = 1520;
/** Prometheus of `npm run sim -- --prometheus`, above the base port (9090 for 8080). */
export const PROMETHEUS_PORT_OFFSET = 1010;
/** Linux's default `net.ipv4.ip_local_port_range`, used where /proc cannot be read. */
const DEFAULT_EPHEMERAL: readonly [number, number] = [32768, 60999];
const MAX_FIXED_CONNECTORS = 79;

export interface PortPlan {
  relay(index: number): { public: number; connector: number; metrics: number };
  connectorMetrics(index: number): number;
  backend(index: number): number;
  control(): number;
}

/**
 * The kernel's range for ephemeral ports: outgoing connections take ports from it at random, so a
 * sim that binds fixed ports inside it can find one taken when it restarts (EADDRINUSE).
 */
export function ephemeralPortRange(path = '/proc/sys/net/ipv4/ip_local_port_range'): readonly [number, number] {
  try {
    const [low, high] = readFileSync(path, 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && Number.isInteger(high) ? [low!, high!] : DEFAULT_EPHEMERAL;
  } catch {
    return DEFAULT_EPHEMERAL;
  }
}

/** Every fixed port a plan binds for the given component counts (none with base port 0). */
export function plannedPorts(plan: PortPlan, counts: { relays: number; connectors: number; backends: number }): number[] {
  const ports = [plan.control()];
  for (let k = 0; k < counts.relays; k++) ports.push(...Object.values(plan.relay(k)));
  for (let n = 0; n < counts.connectors; n++) ports.push(plan.connectorMetrics(n));
  for (let j = 0; j < counts.backends; j++) ports.push(plan.backend(j));
  return ports.filter((port) => port !== 0).sort((a, b) => a - b);
}

/** A warning when planned ports lie in the ephemeral range, else undefined. The default layout avoids it. */
export function ephemeralWarning(ports: readonly number[], range: readonly [number, number] = ephemeralPortRange()): string | undefined {
  const inside = ports.filter((port) => port >= range[0] && port <= range[1]);
  if (inside.length === 0) return undefined;
  return (
    `${inside.length} of the sim's ports (${inside[0]}-${inside.at(-1)}) lie in the kernel's ephemeral range ${range[0]}-${range[1]}, ` +
    'where outgoing connections take ports at random: a start or restart can fail with "address in use". ' +
    `Use a --base-port whose ports all stay below ${range[0]} (the default 8080 does), or --base-port 0 for free ports.`
  );
}

export function planPorts(basePort: number, connectorCount: number): PortPlan {
  if (basePort === 0) {
    return {
      relay: () => ({ public: 0, connector: 0, metrics: 0 }),
      connectorMetrics: () => 0,
      backend: () => 0,
      control: () => 0,
    };
  }
  if (connectorCount > MAX_FIXED_CONNECTORS) {
    throw new RangeError(
      `${connectorCount} connectors do not fit the fixed port plan (at most ${MAX_FIXED_CONNECTORS}); use --base-port 0 for ephemeral ports`,
    );
  }
  const shift = basePort - DEFAULT_BASE_PORT;
  const port = (p: number) => {
    const shifted = p + shift;
    if (shifted < 1 || shifted > 65535) throw new RangeError(`--base-port ${basePort} puts port ${p} at ${shifted}, outside 1-65535`);
    return shifted;
  };
  return {
    relay: (k) => ({ public: port(8080 + 2 * k), connector: port(8081 + 2 * k), metrics: port(k === 0 ? 9100 : 9180 + k) }),
    connectorMetrics: (n) => port(9101 + n),
    backend: (j) => port(9200 + j),
    control: () => port(9070),
  };
}
