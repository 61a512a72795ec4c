import { resolveCapacity } from '../connector/capacity-model.ts';
import type { ServiceKeys } from '../relay/auth/service-keys.ts';
import type { z } from 'zod';
import type { BackendConfig as BackendConfigSchema } from '../backend/backend-config.ts';
import type { ConnectorConfig as ConnectorConfigSchema } from '../connector/connector-config.ts';
import type { CertificateAuthority, ServerIdentity } from '../pki/certificate-authority.ts';
import type { RelayConfigInput } from '../relay/relay-config.ts';
import type { PortPlan } from './port-plan.ts';
import type { ComponentKind } from './component-process.ts';
import type { RelayConfig } from '../relay/relay-config.ts';
import { backendTimeoutMs, DOCUMENTED_LIMITS, limitRps, type Topology } from './topology.ts';

/** The sim's PKI with topology `tls: on`: one CA for all relays, and the administrator's token. */
export interface SimPki {
  readonly ca: CertificateAuthority;
  readonly relayIdentity: ServerIdentity;
  readonly adminToken: string;
}

/** Everything a component's config is derived from. */
export interface ConfigInputs {
  readonly topology: Topology;
  readonly host: string;
  readonly ports: PortPlan;
  /** The bearer token connectors present to the relays (plain mode). */
  readonly connectorToken: string;
  /** With topology `tls: on`. */
  readonly pki?: SimPki;
  /** The cookie and token keys every relay shares (drawn once per sim). */
  readonly serviceKeys: ServiceKeys;
}

export interface ComponentConfig<C> {
  readonly id: string;
  readonly config: C;
  readonly group?: string;
}

/**
 * What each component is started with, derived from the topology alone (plus the ports and URLs
 * bound so far): pure functions, so the whole derivation is unit-tested without a process.
 * Anything with a sensible default lives in the component's zod schema, not here.
 */
export function backendConfigs({ topology, host, ports }: ConfigInputs): ComponentConfig<z.input<typeof BackendConfigSchema>>[] {
  return Array.from({ length: topology.backends }, (_, j) => {
    const id = `backend-${j + 1}`;
    const services = Object.fromEntries(topology.apps.filter((a) => a.service && a.backend === id).map((a) => [a.name, a.service!]));
    return { id, config: { id, host, port: ports.backend(j), publishOps: topology.publishBackendMetrics, services } };
  });
}

/** @param backendUrl the URL of a backend id (bound port), or the app's own http:// URL */
export function relayConfigs(
  { topology, host, ports, connectorToken, pki, serviceKeys }: ConfigInputs,
  backendUrl: (backend: string) => string,
): ComponentConfig<RelayConfigInput>[] {
  return Array.from({ length: topology.relays }, (_, k) => {
    const id = `relay-${k + 1}`;
    const config: RelayConfigInput = {
      id,
      host,
      ports: ports.relay(k),
      domain: topology.domain,
      connectorToken,
      groups: topology.groups.map((g) => g.name),
      apps: topology.apps.map((app) => ({
        name: app.name,
        group: app.group,
        // An app with a service lives under /apps/<name>/ on its backend (see AppService).
        internalUrl: backendUrl(app.backend) + (app.service ? `/apps/${app.name}` : ''),
        backendTimeoutMs: backendTimeoutMs(app.backendTimeout),
        translateHeaders: app.translateHeaders,
        preAuth: app.preAuth,
        assignedUsers: app.assignedUsers,
      })),
      users: topology.users,
      instances: topology.relays,
      // The service's connector → group assignment (an administrator's `move` changes it live).
      assignments: Object.fromEntries(topology.groups.flatMap((g) => Array.from({ length: g.connectors }, (_, i) => [`${g.name}-${i + 1}`, g.name]))),
      serviceKeys,
      dispatch: topology.dispatch,
      heartbeat: topology.heartbeat,
      websocket: topology.websocket,
      requests: topology.requests,
      failover: topology.failover,
      limits: {
        appRps: limitRps(topology.limits.appRps, DOCUMENTED_LIMITS.appRps),
        tenantRps: limitRps(topology.limits.tenantRps, DOCUMENTED_LIMITS.tenantRps),
      },
      ...(pki && {
        tls: {
          ca: pki.ca.toPem(),
          server: pki.relayIdentity,
          adminToken: pki.adminToken,
          clientCertificateLifetimeSeconds: Math.ceil(topology.certificates.lifetime / 1000),
        },
      }),
    };
    return { id, config };
  });
}

/** @param relays every relay's connector endpoint as bound */
export function connectorConfigs(
  { topology, host, ports, connectorToken, pki, serviceKeys }: ConfigInputs,
  relays: { id: string; url: string }[],
): ComponentConfig<z.input<typeof ConnectorConfigSchema>>[] {
  let index = 0;
  return topology.groups.flatMap((group) =>
    Array.from({ length: group.connectors }, (_, i) => {
      const id = `${group.name}-${i + 1}`;
      const config: z.input<typeof ConnectorConfigSchema> = {
        id,
        group: group.name,
        slots: group.slots,
        configRefreshMs: topology.configRefreshMs,
        dnsCacheTtlMs: topology.dnsCacheTtlMs,
        relays,
        faultProxy: topology.linkFaults,
        token: connectorToken,
        host,
        metricsPort: ports.connectorMetrics(index++),
        ...(group.outboundProxy && { outboundProxy: group.outboundProxy }),
        network: { relays: topology.network.sites[group.name], backends: topology.network.backends },
        capacity: resolveCapacity(group.capacity),
        ...(pki && {
          tls: {
            caCertificatePem: pki.ca.certificatePem,
            adminToken: pki.adminToken,
            renewAfterSeconds: topology.certificates.renewAfter / 1000,
          },
        }),
      };
      return { id, config, group: group.name };
    }),
  );
}

/** A component's config with its ports replaced by the ones it bound, so a restart reuses them. */
export function pinPorts(kind: ComponentKind): (config: unknown, ports: Readonly<Record<string, number>>) => unknown {
  switch (kind) {
    case 'backend':
      return (config, ports) => ({ ...(config as z.infer<typeof BackendConfigSchema>), port: ports['http'] });
    case 'relay':
      return (config, ports) => ({ ...(config as RelayConfig), ports: { public: ports['public'], connector: ports['connector'], metrics: ports['metrics'] } });
    case 'connector':
      return (config, ports) => ({ ...(config as z.infer<typeof ConnectorConfigSchema>), metricsPort: ports['metrics'] });
  }
}
