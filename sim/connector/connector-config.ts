import { hostname } from 'node:os';
import { PROTOCOL_VERSION, type HelloMessage } from '../protocol/messages.ts';
import { z } from 'zod';
import { Hop } from '../faults/distance.ts';
import { CapacityModel } from './capacity-model.ts';

export const ConnectorConfig = z.object({
  /** Defaults to the host name, so scaled container replicas get distinct ids. */
  id: z.string().min(1).default(hostname()),
  /** The group it was installed into; the relays' assignment, learnt at each pull, decides. */
  group: z.string().min(1),
  /** Concurrent requests this connector takes, from all relays together (App Proxy's default is 200). */
  slots: z.number().int().positive().default(200),
  /** The group's capacity model (CPU per request and per KiB on virtual CPUs); absent: as fast as this machine. */
  capacity: CapacityModel.optional(),
  /** How often it pulls its configuration (its group and apps) from each relay; App Proxy: every few minutes. */
  configRefreshMs: z.number().int().positive().default(120_000),
  /** How long a backend name's answer is used before a background refresh; 0: no cache, getaddrinfo per new connection. */
  dnsCacheTtlMs: z.number().int().min(0).default(30_000),
  version: z.string().default('0.1.0'),
  /** The relays' connector endpoints, e.g. http://127.0.0.1:8081. The connector dials every one. */
  relays: z.array(z.object({ id: z.string(), url: z.url() })).min(1),
  token: z.string().min(8),
  host: z.string().default('127.0.0.1'),
  metricsPort: z.number().int().min(0).max(65535),
  reconnect: z
    .object({
      initialMs: z.number().int().positive().default(200),
      maxMs: z.number().int().positive().default(10_000),
      resetAfterMs: z.number().int().positive().default(30_000),
    })
    .default({ initialMs: 200, maxMs: 10_000, resetAfterMs: 30_000 }),
  /** Route every relay link through an in-process fault proxy (so the sim can inject link faults). */
  faultProxy: z.boolean().default(true),
  /** How long a drain waits for in-flight work before the connector exits anyway. */
  drainGraceMs: z.number().int().min(0).default(30_000),
  /** `http://host:port`: every connection to the relays goes through this forward proxy (HTTP CONNECT). */
  outboundProxy: z
    .url()
    .refine((url) => /^http:\/\/[^/@]+:\d+\/?$/.test(url), { message: 'outboundProxy must be http://host:port (proxy credentials are not supported)' })
    .optional(),
  /**
   * Persistent distance (topology `network`): `relays` on every link to a relay (through its fault
   * proxy, so it needs `faultProxy`), `backends` on every backend connection.
   */
  network: z.object({ relays: Hop.optional(), backends: Hop.optional() }).default({}),
  /** Bound on one connection attempt to a relay (TCP, CONNECT and TLS together). */
  dialTimeoutMs: z.number().int().positive().default(5000),
  /**
   * Present when the relays require mutual TLS: the connector registers with the administrator
   * token, then presents the certificate it got on every connection, renewing it when it is older
   * than `renewAfterSeconds` (App Proxy: 180 days).
   */
  tls: z
    .object({
      caCertificatePem: z.string().includes('BEGIN CERTIFICATE', { message: 'expected the relay CA as a PEM certificate' }),
      adminToken: z.string().min(16),
      renewAfterSeconds: z
        .number()
        .positive()
        .default(180 * 86_400),
    })
    .optional(),
});
export type ConnectorConfig = z.infer<typeof ConnectorConfig>;

/** The `hello` that opens each control channel: who we are, our group, our slots, this process. */
export function helloMessage(config: ConnectorConfig, instance: string): HelloMessage {
  const { id: connectorId, group, version, slots } = config;
  return { type: 'hello', v: PROTOCOL_VERSION, connectorId, group, version, slots, instance };
}
