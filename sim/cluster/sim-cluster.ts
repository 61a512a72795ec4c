import { generateServiceKeys } from '../relay/auth/service-keys.ts';
import { randomBytes } from 'node:crypto';
import { ComponentProcess, type ComponentKind, type ProcessState } from './component-process.ts';
import { ControlApi } from './control-api.ts';
import type { TopologyView } from './topology-view.ts';
import { createProcessLogger, type LogLevel, type Logger } from '../common/logger.ts';
import { EventLog } from './event-log.ts';
import { FaultInjector } from './fault-injector.ts';
import { parseFaultRequest } from './fault-request.ts';
import { plannedPorts, planPorts, type PortPlan } from './port-plan.ts';
import { CertificateAuthority, type ServerIdentity } from '../pki/certificate-authority.ts';
import { revokeAtEveryRelay, type RelayRevocation, type RevokeRequest } from './certificate-revocation.ts';
import type { Topology } from './topology.ts';
import { backendConfigs, connectorConfigs, pinPorts, relayConfigs, type ConfigInputs, type SimPki } from './component-configs.ts';

export interface ClusterOptions {
  readonly basePort: number;
  /** Overrides every group's connector count (`--connectors N`). */
  readonly connectorsPerGroup?: number;
  readonly host?: string;
  readonly logLevel?: string;
  readonly startTimeoutMs?: number;
  /** The controller's own logger (control API failures); a stderr logger at `logLevel` by default. */
  readonly log?: Logger;
  /** Called as each component comes up, for progress output. */
  readonly onProgress?: (message: string) => void;
}

/**
 * Spawns and supervises the simulated system: backends, then relays, then connectors (each its own
 * process), and stops them in the reverse order with no orphans left behind.
 */
export class SimCluster {
  readonly topology: Topology;
  readonly #options: ClusterOptions;
  readonly #host: string;
  readonly #token = randomBytes(18).toString('base64url');
  /** Cookie and token keys every relay instance shares, as App Proxy's instances do. */
  readonly #serviceKeys = generateServiceKeys();
  readonly #ports: PortPlan;
  readonly backends: ComponentProcess[] = [];
  readonly relays: ComponentProcess[] = [];
  readonly connectors: ComponentProcess[] = [];
  readonly #groupOf = new Map<ComponentProcess, string>();
  readonly events = new EventLog();
  readonly faults: FaultInjector;
  readonly #controlApi: ControlApi;
  readonly #planTimers: NodeJS.Timeout[] = [];
  #controlUrl = '';
  #pki: SimPki | undefined;

  constructor(topology: Topology, options: ClusterOptions) {
    const count = options.connectorsPerGroup;
    this.topology = count === undefined ? topology : { ...topology, groups: topology.groups.map((g) => ({ ...g, connectors: count })) };
    this.#options = options;
    this.#host = options.host ?? '127.0.0.1';
    const totalConnectors = this.topology.groups.reduce((sum, g) => sum + g.connectors, 0);
    this.#ports = planPorts(options.basePort, totalConnectors);
    this.faults = new FaultInjector(
      {
        component: (kind, id) => this.#byKind(kind).find((c) => c.id === id),
        connectorsOfGroup: (group) =>
          this.topology.groups.some((g) => g.name === group) ? this.connectors.filter((c) => this.#groupOf.get(c) === group) : undefined,
        all: (kind) => this.#byKind(kind),
        assign: (connector, group) => this.#groupOf.set(connector, group),
      },
      this.events,
      { failoverMode: this.topology.failover.mode, configRefreshMs: this.topology.configRefreshMs, linkFaults: this.topology.linkFaults },
    );
    this.#controlApi = new ControlApi(
      this.#host,
      this.#ports.control(),
      this,
      options.log ?? createProcessLogger('sim', (options.logLevel ?? 'warn') as LogLevel),
    );
  }

  async start(): Promise<void> {
    try {
      if (this.topology.tls === 'on') this.#pki = await this.#createPki();
      await this.#startAll('backend', backendConfigs(this.#inputs()), false);
      await this.#startAll(
        'relay',
        relayConfigs(this.#inputs(), (backend) => this.#backendUrl(backend)),
        false,
      );
      await this.#startAll(
        'connector',
        connectorConfigs(
          this.#inputs(),
          this.relays.map((r) => ({ id: r.id, url: `http://${this.#host}:${r.ports['connector']}` })),
        ),
        true,
      );
      this.#controlUrl = await this.#controlApi.start();
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /**
   * Schedules the topology's fault plan, relative to now. Each entry is injected like a
   * `POST /faults`; a failure is recorded in the timeline rather than thrown.
   */
  startFaultPlan(): void {
    for (const entry of this.topology.faults) {
      const request = parseFaultRequest({ action: entry.action, target: entry.target, params: entry.params });
      this.#planTimers.push(
        setTimeout(() => {
          this.faults.inject(request).catch((err: Error) => this.events.state('fault-failed', entry.target, err.message));
        }, entry.at),
      );
    }
  }

  /** Stops connectors (they drain), then relays, then backends. Bounded and idempotent. */
  async close(): Promise<void> {
    for (const timer of this.#planTimers) clearTimeout(timer);
    await Promise.all(this.connectors.map((c) => c.stop('SIGTERM', 10_000)));
    await Promise.all(this.relays.map((r) => r.stop('SIGTERM', 5_000)));
    await Promise.all(this.backends.map((b) => b.stop('SIGTERM', 5_000)));
    await this.#controlApi.close();
  }

  /** The bearer token connectors present to the relays (for tools that speak the connector protocol). */
  get connectorToken(): string {
    return this.#token;
  }

  /** The CA and administrator token with `tls: on` (tests register, revoke and forge with them). */
  get pki(): SimPki | undefined {
    return this.#pki;
  }

  async #createPki(): Promise<SimPki> {
    const ca = await CertificateAuthority.create();
    const appHosts = this.topology.apps.map((app) => `${app.name}.${this.topology.domain}`);
    const relayIdentity = await ca.issueServerIdentity([...new Set([this.#host, 'localhost', '127.0.0.1', ...appHosts])]);
    return { ca, relayIdentity, adminToken: randomBytes(24).toString('base64url') };
  }

  /** `POST /certificates/revoke`: every relay is told (undefined when TLS is off). */
  revokeCertificates(request: RevokeRequest): Promise<Record<string, RelayRevocation>> | undefined {
    if (!this.#pki) return undefined;
    const relays = this.view().relays.filter((r) => r.state === 'running');
    return revokeAtEveryRelay(relays, { caCertificatePem: this.#pki.ca.certificatePem, adminToken: this.#pki.adminToken }, request);
  }

  /** The fixed ports this sim will bind (empty with base port 0). */
  plannedPorts(): number[] {
    const connectors = this.topology.groups.reduce((sum, g) => sum + g.connectors, 0);
    return plannedPorts(this.#ports, { relays: this.topology.relays, connectors, backends: this.topology.backends });
  }

  /** Every process id we spawned, for orphan checks. */
  pids(): number[] {
    return [...this.backends, ...this.relays, ...this.connectors].flatMap((p) => (p.pid ? [p.pid] : []));
  }

  view(): TopologyView {
    const url = (port: number | undefined, path = '') => `http://${this.#host}:${port ?? 0}${path}`;
    const scheme = this.#pki ? 'https' : 'http';
    const secureUrl = (port: number | undefined) => `${scheme}://${this.#host}:${port ?? 0}`;
    const relay0 = this.relays[0];
    const publicPort = relay0?.ports['public'];
    return {
      controlUrl: this.#controlUrl,
      failoverMode: this.topology.failover.mode,
      relays: this.relays.map((r) => ({
        id: r.id,
        publicUrl: secureUrl(r.ports['public']),
        connectorUrl: secureUrl(r.ports['connector']),
        metricsUrl: url(r.ports['metrics'], '/metrics'),
        pid: r.pid,
        state: r.state,
      })),
      connectors: this.connectors.map((c) => ({
        id: c.id,
        group: this.#groupOf.get(c) ?? '',
        metricsUrl: url(c.ports['metrics'], '/metrics'),
        pid: c.pid,
        state: c.state,
      })),
      backends: this.backends.map((b) => ({
        id: b.id,
        url: url(b.ports['http']),
        metricsUrl: url(b.ports['http'], '/metrics'),
        pid: b.pid,
        state: b.state,
      })),
      apps: this.topology.apps.map((app) => ({
        name: app.name,
        group: app.group,
        externalUrl: `${scheme}://${app.name}.${this.topology.domain}:${publicPort ?? 0}`,
      })),
      ...(this.#pki ? { tls: { caCertificatePem: this.#pki.ca.certificatePem } } : {}),
    };
  }

  #byKind(kind: ComponentKind): ComponentProcess[] {
    return kind === 'backend' ? this.backends : kind === 'relay' ? this.relays : this.connectors;
  }

  /** Timeline entries for lifecycle changes: up, back, paused, resumed, draining, dead, stopped. */
  #onState(component: ComponentProcess, state: ProcessState, previous: ProcessState, detail?: string): void {
    const name = `${component.kind}:${component.id}`;
    if (state === 'running') {
      this.events.state(previous === 'paused' ? 'resumed' : this.#everUp.has(component) ? 'back' : 'up', name);
      this.#everUp.add(component);
    } else if (state === 'paused' || state === 'draining') {
      this.events.state(state, name);
    } else if (state === 'exited') {
      this.events.state(detail === 'stopped' ? 'stopped' : 'dead', name, detail);
    }
  }

  readonly #everUp = new Set<ComponentProcess>();

  async #startAll(kind: ComponentKind, configs: { id: string; config: unknown; group?: string }[], waitReady: boolean): Promise<void> {
    const list = this.#byKind(kind);
    const started = configs.map(({ id, config, group }) => {
      const child = new ComponentProcess({
        kind,
        id,
        config,
        pinPorts: pinPorts(kind),
        logLevel: this.#options.logLevel ?? 'warn',
        onState: (component, state, previous, detail) => this.#onState(component, state, previous, detail),
        onEvent: (action, target, detail) => this.events.state(action, target, detail),
      });
      list.push(child);
      if (group) this.#groupOf.set(child, group);
      return child.start({ waitReady, timeoutMs: this.#options.startTimeoutMs ?? 30_000 }).then(() => {
        this.#options.onProgress?.(`${id} ${waitReady ? 'ready' : 'listening'} (pid ${child.pid})`);
      });
    });
    await Promise.all(started);
  }

  #inputs(): ConfigInputs {
    const shared = { connectorToken: this.#token, serviceKeys: this.#serviceKeys, ...(this.#pki && { pki: this.#pki }) };
    return { topology: this.topology, host: this.#host, ports: this.#ports, ...shared };
  }

  #backendUrl(backend: string): string {
    const process = this.backends.find((b) => b.id === backend);
    return process ? `http://${this.#host}:${process.ports['http']}` : backend;
  }
}
