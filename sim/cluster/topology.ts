import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppService } from '../backend/app-service.ts';
import { formatZodError } from '../common/zod-errors.ts';
import { FaultRequestError, parseFaultRequest } from './fault-request.ts';
import { DispatchSettings, FailoverSettings, HeartbeatSettings, RequestSettings, WebSocketSettings } from '../relay/relay-config.ts';
import { SimError } from '../common/sim-error.ts';
import { Hop } from '../faults/distance.ts';
import { CapacitySetting } from '../connector/capacity-model.ts';

/** `sim/topologies/default.yaml`: what `npm run sim` and `npm run load` start without --topology. */
export const DEFAULT_TOPOLOGY_PATH = fileURLToPath(new URL('../topologies/default.yaml', import.meta.url));

/** App Proxy's backend timeouts: 85 s by default, 180 s when the app is set to "long". */
export const BACKEND_TIMEOUTS_MS = { default: 85_000, long: 180_000 } as const;

const Name = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes');

const Group = z.strictObject({
  name: Name,
  connectors: z.number().int().min(0).max(500).default(3),
  /** Concurrent requests per connector (App Proxy default 200). */
  slots: z.number().int().positive().default(200),
  /**
   * Each connector's CPU: `unlimited` (as fast as this machine), a preset `{ cores: 2 | 4 | 8 | 16 }`
   * calibrated to Microsoft's table, or `{ cores, perRequestMs, perKiBMs, maxTps }`.
   */
  capacity: CapacitySetting.default('unlimited'),
  /** The group's connectors reach the relays only through this forward proxy (HTTP CONNECT). */
  outboundProxy: z
    .string()
    .regex(/^http:\/\/[^/@]+:\d+\/?$/, 'use http://host:port (proxy credentials are not supported)')
    .optional(),
});

const App = z.strictObject({
  name: Name,
  group: Name,
  /** A backend id from `backends` (backend-1, ...) or an absolute http:// URL outside the sim. */
  backend: z.string().default('backend-1'),
  backendTimeout: z.union([z.enum(['default', 'long']), z.number().int().positive()]).default('default'),
  /** `relay`: App Proxy pre-authentication (sign-in, session cookie, assignment check). */
  preAuth: z.enum(['passthrough', 'relay']).default('passthrough'),
  assignedUsers: z.array(z.string()).default([]),
  translateHeaders: z.boolean().default(true),
  /**
   * The app's own service time and response sizes (a backend of the sim serves every request to
   * it that way); absent: the backend's test routes (/echo, /bytes/:n, /upload, ...).
   */
  service: AppService.optional(),
});

/** App Proxy's documented throttling limits, used when a limit is set to `true`. */
export const DOCUMENTED_LIMITS = { appRps: 500, tenantRps: 750 } as const;
const Limit = z.union([z.boolean(), z.number().positive()]).default(false);
const Limits = z.strictObject({ appRps: Limit, tenantRps: Limit });

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `20s`, `1500ms`, `2m`, `12h`, `180d` or a number of milliseconds. */
export const Duration = z.union([
  z.number().int().min(0),
  z
    .string()
    .regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'use a duration like 1500ms, 20s, 2m, 12h or 180d')
    .transform((text) => {
      const unit = /(ms|s|m|h|d)$/.exec(text)![1] as keyof typeof UNIT_MS;
      return Math.round(Number.parseFloat(text) * UNIT_MS[unit]);
    }),
]);

const PlannedFault = z.strictObject({
  at: Duration,
  action: z.string(),
  target: z.string(),
  params: z.record(z.string(), z.unknown()).optional(),
});

export const Topology = z
  .strictObject({
    relays: z.number().int().min(1).max(8).default(1),
    backends: z.number().int().min(1).max(20).default(1),
    domain: z.string().default('localhost'),
    groups: z.array(Group).min(1),
    apps: z.array(App).min(1),
    dispatch: DispatchSettings.strict().default(DispatchSettings.parse({})),
    heartbeat: HeartbeatSettings.strict().default(HeartbeatSettings.parse({})),
    websocket: WebSocketSettings.strict().default(WebSocketSettings.parse({})),
    requests: RequestSettings.strict().default(RequestSettings.parse({})),
    /**
     * Distance, from start: App Proxy's three hops. `users`: user ↔ relay region (applied by the
     * load rig, client side); `sites`: relay ↔ each group's site, by group name (on every connector
     * link); `backends`: connector ↔ backend. Each is {rttMs, jitterMs?, bandwidthKBps?}.
     */
    network: z.strictObject({ users: Hop.optional(), sites: z.record(Name, Hop).default({}), backends: Hop.optional() }).default({ sites: {} }),
    /** How often connectors pull their configuration (group, apps); App Proxy documents "every few minutes". */
    configRefreshMs: z.number().int().positive().default(120_000),
    /** Connectors keep a backend name's answer this long before a background refresh (our choice); 0: resolve per connection. */
    dnsCacheTtlMs: z.number().int().min(0).default(30_000),
    /**
     * Route each connector's relay links through its in-process fault proxy, so partition, latency,
     * bandwidth and reset faults can act on them (default). `false`: connectors dial the relays
     * directly, without the proxy's work on every chunk, and link faults and `network.sites` are
     * refused. App Proxy has no such proxy either way: it is the sim's instrument.
     */
    linkFaults: z.boolean().default(true),
    /** `appproxy` (default): a dead connector's accepted requests are lost; `resilient`: replayed. */
    failover: FailoverSettings.strict().default(FailoverSettings.parse({})),
    /** Users the simulated identity provider knows. */
    users: z.array(z.string().regex(/^[A-Za-z0-9._@-]+$/)).default([]),
    /** Throttling: `true` for the documented 500/750 requests/s, a number, or off (default). */
    limits: Limits.default({ appRps: false, tenantRps: false }),
    /**
     * `on`: connectors register for relay-CA certificates and use mutual TLS; users reach the relay
     * over HTTPS. Off by default: it costs GET throughput (see README, "TLS cost") and the rig's
     * default job is measuring dispatch, queueing and failover.
     */
    tls: z.enum(['on', 'off']).default('off'),
    certificates: z
      .strictObject({
        /** Validity of a connector certificate. */
        lifetime: Duration.default(365 * UNIT_MS.d),
        /** Connectors renew a certificate older than this (App Proxy: 180 days). */
        renewAfter: Duration.default(180 * UNIT_MS.d),
      })
      .default({ lifetime: 365 * UNIT_MS.d, renewAfter: 180 * UNIT_MS.d }),
    /**
     * Serve the backends' /metrics, /healthz and /readyz to requests through the relay as well.
     * Off by default: the sim's telemetry is not part of the published apps.
     */
    publishBackendMetrics: z.boolean().default(false),
    /** A timed fault plan, run from the moment the sim is ready (DESIGN 3.7). */
    faults: z.array(PlannedFault).default([]),
  })
  .superRefine((topology, ctx) => {
    const groups = topology.groups.map((g) => g.name);
    const backends = Array.from({ length: topology.backends }, (_, i) => `backend-${i + 1}`);
    const relayIds = Array.from({ length: topology.relays }, (_, i) => `relay-${i + 1}`);
    const connectorIds = topology.groups.flatMap((g) => Array.from({ length: g.connectors }, (_, i) => `${g.name}-${i + 1}`));
    duplicates(groups).forEach((i) => ctx.addIssue({ code: 'custom', path: ['groups', i, 'name'], message: `duplicate group "${groups[i]}"` }));
    const apps = topology.apps.map((a) => a.name);
    duplicates(apps).forEach((i) => ctx.addIssue({ code: 'custom', path: ['apps', i, 'name'], message: `duplicate app "${apps[i]}"` }));
    topology.faults.forEach((fault, i) => {
      try {
        parseFaultRequest({ action: fault.action, target: fault.target, params: fault.params });
      } catch (err) {
        if (!(err instanceof FaultRequestError)) throw err;
        ctx.addIssue({ code: 'custom', path: ['faults', i], message: err.message });
      }
      const [kind, name] = fault.target.split(':');
      const known = kind === 'group' ? groups : kind === 'backend' ? backends : kind === 'relay' ? relayIds : kind === 'connector' ? connectorIds : [];
      if (name && !known.includes(name)) ctx.addIssue({ code: 'custom', path: ['faults', i, 'target'], message: `no ${kind} "${name}" in this topology` });
    });
    if (!topology.linkFaults && Object.keys(topology.network.sites).length > 0)
      ctx.addIssue({ code: 'custom', path: ['network', 'sites'], message: 'a site distance acts through the link fault proxies: it needs linkFaults: true' });
    for (const site of Object.keys(topology.network.sites)) {
      if (!groups.includes(site))
        ctx.addIssue({ code: 'custom', path: ['network', 'sites', site], message: `no group "${site}" (groups: ${groups.join(', ')})` });
    }
    if (topology.certificates.renewAfter >= topology.certificates.lifetime) {
      ctx.addIssue({
        code: 'custom',
        path: ['certificates', 'renewAfter'],
        message: 'renewAfter must be shorter than lifetime, or certificates expire before they are renewed',
      });
    }
    topology.apps.forEach((app, i) => {
      app.assignedUsers.forEach((user, j) => {
        if (!topology.users.includes(user))
          ctx.addIssue({
            code: 'custom',
            path: ['apps', i, 'assignedUsers', j],
            message: `unknown user "${user}" (users: ${topology.users.join(', ') || 'none'})`,
          });
      });
      if (!groups.includes(app.group)) {
        ctx.addIssue({ code: 'custom', path: ['apps', i, 'group'], message: `unknown group "${app.group}" (groups: ${groups.join(', ')})` });
      }
      if (!backends.includes(app.backend) && !/^https?:\/\/[^/]+/.test(app.backend)) {
        ctx.addIssue({
          code: 'custom',
          path: ['apps', i, 'backend'],
          message: `unknown backend "${app.backend}" (use ${backends.join(', ')} or an http:// URL)`,
        });
      }
      if (app.service && !backends.includes(app.backend)) {
        ctx.addIssue({
          code: 'custom',
          path: ['apps', i, 'service'],
          message: `a service is served by the sim's backends (${backends.join(', ')}), not by ${app.backend}`,
        });
      }
    });
  });

export type Topology = z.infer<typeof Topology>;
export type TopologyInput = z.input<typeof Topology>;

function duplicates(names: readonly string[]): number[] {
  return names.flatMap((name, i) => (names.indexOf(name) < i ? [i] : []));
}

export class TopologyError extends SimError<'invalid_topology'> {
  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super('invalid_topology', message, options);
  }
}

export function parseTopology(value: unknown, source: string): Topology {
  const parsed = Topology.safeParse(value);
  if (!parsed.success) throw new TopologyError(`invalid topology ${source}:\n${formatZodError(parsed.error)}`);
  return parsed.data;
}

export async function loadTopologyFile(path: string): Promise<Topology> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new TopologyError(`cannot read topology ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new TopologyError(`topology ${path} is not valid YAML: ${(err as Error).message}`);
  }
  return parseTopology(value, path);
}

export function backendTimeoutMs(setting: Topology['apps'][number]['backendTimeout']): number {
  return typeof setting === 'number' ? setting : BACKEND_TIMEOUTS_MS[setting];
}

/** A topology limit as requests per second, or null when off. */
export function limitRps(setting: boolean | number, documented: number): number | null {
  return setting === true ? documented : setting === false ? null : setting;
}
