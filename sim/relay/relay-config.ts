import { z } from 'zod';
import { ServiceKeys } from './auth/service-keys.ts';

export const DISPATCH_POLICIES = ['random', 'round-robin', 'least-pending'] as const;
export type DispatchPolicyName = (typeof DISPATCH_POLICIES)[number];

export const DispatchSettings = z.object({
  policy: z.enum(DISPATCH_POLICIES).default('random'),
  /** Requests waiting per group beyond which new ones get 503 queue_full. */
  queueLimit: z.number().int().min(0).default(1000),
  /** How long a request may wait for a free connector slot before 504. */
  queueTimeoutMs: z.number().int().positive().default(5000),
});
export type DispatchSettings = z.infer<typeof DispatchSettings>;

export const HeartbeatSettings = z.object({
  intervalMs: z.number().int().positive().default(1000),
  missed: z.number().int().positive().default(3),
});
export type HeartbeatSettings = z.infer<typeof HeartbeatSettings>;

export const WebSocketSettings = z.object({
  /** Largest message relayed; a larger one closes the session with 1009. */
  maxMessageBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  /** Ping interval on the relay↔user hop (connectors ping their backend hop likewise). */
  keepaliveMs: z.number().int().min(0).default(30_000),
  /** Close a session after this long without a message either way; 0 = off. */
  idleTimeoutMs: z.number().int().min(0).default(0),
  /** Close a session after this long in all; 0 = off. */
  maxSessionMs: z.number().int().min(0).default(0),
  /** Per-session bound on bytes queued towards a slow side before reading the other side pauses. */
  highWaterBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Concurrent WebSocket sessions (and pending upgrades) one client IP may hold; 0 = no cap. */
  maxUpgradesPerIp: z.number().int().min(0).default(0),
});
export type WebSocketSettings = z.infer<typeof WebSocketSettings>;

/** Bounds on one HTTP request's life inside the relay. */
export const RequestSettings = z.object({
  /**
   * An upload or download during which no byte moves either way for this long is ended and its
   * connector slot freed (408 idle_timeout before the response started; a cut connection after).
   * App Proxy documents no such bound; 60 s is our choice (README, "Idle bound"). 0 = off.
   */
  idleTimeoutMs: z.number().int().min(0).default(60_000),
});
export type RequestSettings = z.infer<typeof RequestSettings>;

export const FAILOVER_MODES = ['appproxy', 'resilient'] as const;
export type FailoverMode = (typeof FAILOVER_MODES)[number];
/** How every result names a mode: `resilient` must never pass for App Proxy's behaviour. */
export const FAILOVER_MODE_LABELS: Readonly<Record<FailoverMode, string>> = {
  appproxy: "appproxy (App Proxy's: requests in flight on a dead connector are lost)",
  resilient: 'resilient (a retrying relay, NOT App Proxy: safe requests in flight are replayed)',
};

/**
 * What happens to a dead connector's work (README, "How faithful is this?"). `appproxy` (default):
 * what App Proxy documents, "the initial transaction is lost": accepted requests fail with 502
 * connector_lost. `resilient`: what a retrying relay would give, not App Proxy: accepted requests
 * that are safe to replay run again on another connector. In both, work not yet accepted is requeued.
 */
export const FailoverSettings = z.object({
  mode: z.enum(FAILOVER_MODES).default('appproxy'),
});
export type FailoverSettings = z.infer<typeof FailoverSettings>;

/** Throttling limits in requests per second; null is off (the default). */
export const RelayLimits = z.object({
  appRps: z.number().positive().nullable().default(null),
  tenantRps: z.number().positive().nullable().default(null),
});
export type RelayLimits = z.infer<typeof RelayLimits>;

export const RelayAppConfig = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/),
  group: z.string(),
  /** Where the connector sends the request, e.g. http://127.0.0.1:9200. */
  internalUrl: z.url(),
  backendTimeoutMs: z.number().int().positive(),
  /** Rewrite internal URLs in Location to the external URL (App Proxy "translate headers"). */
  translateHeaders: z.boolean().default(true),
  /** `relay`: only signed-in users assigned to the app get through (pre-authentication). */
  preAuth: z.enum(['passthrough', 'relay']).default('passthrough'),
  assignedUsers: z.array(z.string()).default([]),
});
export type RelayAppConfig = z.infer<typeof RelayAppConfig>;

const PemPair = z.object({
  certificatePem: z.string().includes('BEGIN CERTIFICATE', { message: 'expected a PEM certificate' }),
  keyPem: z.string().includes('PRIVATE KEY', { message: 'expected a PEM private key' }),
});

/**
 * Transport security (topology `tls: on`): the connector endpoint requires mutual TLS with client
 * certificates this relay's CA signed at registration, and the public listener speaks HTTPS.
 */
export const RelayTlsSettings = z.object({
  /** The CA every relay of the sim shares; it signs connector certificates. */
  ca: PemPair,
  /** This relay's server certificate (signed by the CA) for both listeners. */
  server: PemPair,
  /** Bearer token an administrator presents to register a connector (`POST /connector/v1/register`). */
  adminToken: z.string().min(16),
  /** Lifetime of a connector certificate (App Proxy renews at 180 days, so a year by default). */
  clientCertificateLifetimeSeconds: z
    .number()
    .int()
    .positive()
    .default(365 * 86_400),
});
export type RelayTlsSettings = z.infer<typeof RelayTlsSettings>;

export const RelayConfig = z.object({
  id: z.string().min(1),
  host: z.string().default('127.0.0.1'),
  ports: z.object({
    public: z.number().int().min(0).max(65535),
    connector: z.number().int().min(0).max(65535),
    metrics: z.number().int().min(0).max(65535),
  }),
  /** External domain: app `echo` is published at http://echo.<domain>:<public port>. */
  domain: z.string().default('localhost'),
  /** Port shown in external URLs when it differs from the bound one (containers, port 0). */
  externalPort: z.number().int().min(1).max(65535).optional(),
  /** Bearer token connectors present on the control channel. */
  connectorToken: z.string().min(8),
  groups: z.array(z.string()).min(1),
  apps: z.array(RelayAppConfig),
  dispatch: DispatchSettings.default(DispatchSettings.parse({})),
  heartbeat: HeartbeatSettings.default(HeartbeatSettings.parse({})),
  maxRequestHeaders: z.number().int().positive().default(60),
  websocket: WebSocketSettings.default(WebSocketSettings.parse({})),
  requests: RequestSettings.default(RequestSettings.parse({})),
  failover: FailoverSettings.default(FailoverSettings.parse({})),
  limits: RelayLimits.default({ appRps: null, tenantRps: null }),
  /** Users the simulated identity provider knows. */
  users: z.array(z.string()).default([]),
  /** Which group the service assigns each connector, by id; a connector not named keeps the group its hello names. */
  assignments: z.record(z.string(), z.string()).default({}),
  /** Relay instances of the service: each enforces 1/instances of `limits` (throttle.ts). */
  instances: z.number().int().min(1).default(1),
  /** The service's shared cookie and token keys (every instance holds the same); absent: this relay draws its own. */
  serviceKeys: ServiceKeys.optional(),
  /** Lifetime of tokens from `POST /_relay/sts/token`. */
  tokenTtlSeconds: z.number().int().positive().default(3600),
  /** Bounds on connections to the connector endpoint that have not shown a credential yet. */
  connectorEndpoint: z
    .object({
      handshakeTimeoutMs: z.number().int().positive().default(10_000),
      maxUnauthenticated: z.number().int().positive().default(1000),
    })
    .default({ handshakeTimeoutMs: 10_000, maxUnauthenticated: 1000 }),
  /** Absent: plain TCP with the bearer `connectorToken`, and HTTP for users. */
  tls: RelayTlsSettings.optional(),
});
export type RelayConfig = z.infer<typeof RelayConfig>;
/** What a caller must give: fields with schema defaults may be left out. */
export type RelayConfigInput = z.input<typeof RelayConfig>;
