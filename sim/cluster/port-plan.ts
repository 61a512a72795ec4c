/**
 * Default ports (DESIGN 3.2), shifted together by `--base-port P` (P replaces 8080). A base port of
 * 0 makes every component bind an ephemeral port, which is what tests use.
 *
 *   relay k        public 8080+2k, connector endpoint 8081+2k, metrics 9100 (k=0) or 9180+k
 *   connector n    metrics 9101+n (n counts across groups, at most 79 with fixed ports)
 *   backend j      9200+j
 *   control API    7070
 */
export const DEFAULT_BASE_PORT = 8080;
const MAX_FIXED_CONNECTORS = 79;

export interface PortPlan {
  relay(index: number): { public: number; connector: number; metrics: number };
  connectorMetrics(index: number): number;
  backend(index: number): number;
  control(): number;
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
    throw new RangeError(`${connectorCount} connectors do not fit the fixed port plan (at most ${MAX_FIXED_CONNECTORS}); use --base-port 0 for ephemeral ports`);
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
    control: () => port(7070),
  };
}
