import type { Logger } from '../common/logger.ts';
import { OpsServer } from '../common/ops-server.ts';
import { RelayError } from '../protocol/errors.ts';
import type { PublishedAppConfig } from '../protocol/messages.ts';
import { ConnectorEndpoint } from './connectors/connector-endpoint.ts';
import type { ControlChannel } from './connectors/control-channel.ts';
import { GroupDispatcher } from './dispatch/group-dispatcher.ts';
import { PublicServer } from './ingress/public-server.ts';
import type { RelayConfig } from './relay-config.ts';
import type { RelayContext } from './relay-context.ts';
import { ChannelRegistry } from './connectors/channel-registry.ts';
import { RelayMetrics } from './relay-metrics.ts';
import { HeartbeatMonitor } from './connectors/heartbeat-monitor.ts';
import { WorkRegistry } from './dispatch/work-registry.ts';
import type { DispatchedWork } from './dispatch/dispatched-work.ts';

export interface RelayPorts {
  readonly public: number;
  readonly connector: number;
  readonly metrics: number;
}

/** The cloud relay: public listener, connector endpoint, per-group dispatch, metrics. */
export class Relay {
  readonly metrics: RelayMetrics;
  readonly #config: RelayConfig;
  readonly #ctx: RelayContext;
  readonly #dispatchers = new Map<string, GroupDispatcher<DispatchedWork, ControlChannel>>();
  readonly #endpoint: ConnectorEndpoint;
  readonly #ops: OpsServer;
  readonly #public: PublicServer;
  readonly #heartbeats: HeartbeatMonitor;
  /** The service's connector → group assignment; `move` (a controller command) changes it. */
  readonly #assignments: Map<string, string>;

  /** @param report timeline events for the sim controller (connectors registered, declared dead) */
  constructor(config: RelayConfig, log: Logger, report: (action: string, target: string, detail?: string) => void = () => undefined) {
    this.#config = config;
    this.#assignments = new Map(Object.entries(config.assignments));
    const channels = new ChannelRegistry<ControlChannel>();
    this.metrics = new RelayMetrics(config.groups, () => channels.all());
    for (const group of config.groups) {
      this.#dispatchers.set(group, new GroupDispatcher(group, config.dispatch, this.metrics));
    }
    this.#heartbeats = new HeartbeatMonitor(config.heartbeat, (stalledMs) => {
      this.metrics.stalls.inc();
      log.warn({ stalledMs }, 'the relay itself stalled; connectors get one more heartbeat interval');
      report('relay-stalled', `relay:${config.id}`, `its heartbeat timer fired ${Math.round(stalledMs)} ms late; no connector is blamed for it`);
    });
    this.#ctx = {
      config,
      log,
      metrics: this.metrics,
      work: new WorkRegistry((work) => this.#dispatchers.get(work.app.group)?.withdraw(work)),
      channels,
      heartbeats: this.#heartbeats,
      dispatcher: (group) => this.#dispatchers.get(group),
      appsOfGroup: (group) => this.#appsOfGroup(group),
      assignedGroup: (connectorId) => this.#assignments.get(connectorId),
      report,
    };
    this.#endpoint = new ConnectorEndpoint(this.#ctx);
    this.#ops = new OpsServer(config.host, config.ports.metrics, { registry: this.metrics.registry, isReady: () => true }, log);
    this.#public = new PublicServer(this.#ctx);
  }

  async start(): Promise<RelayPorts> {
    this.#heartbeats.start();
    const connector = await this.#endpoint.start();
    const metrics = await this.#ops.start();
    const publicPort = await this.#public.start();
    return { public: publicPort, connector, metrics };
  }

  async close(): Promise<void> {
    for (const dispatcher of this.#dispatchers.values()) dispatcher.rejectAll(new RelayError('no_connector', 'the relay is shutting down'));
    this.#heartbeats.close();
    for (const channel of this.#ctx.channels.all()) channel.terminate();
    this.#public.destroy();
    await Promise.all([this.#public.close(), this.#endpoint.close(), this.#ops.close()]);
  }

  /**
   * A command from the sim controller: `{action: 'assign', connector, group}` records an
   * administrator's move; the connector learns it at its next configuration pull.
   */
  async command(command: unknown): Promise<unknown> {
    const { action, connector, group } = (command ?? {}) as Record<string, unknown>;
    if (action !== 'assign' || typeof connector !== 'string' || typeof group !== 'string') throw new Error(`unknown relay command ${JSON.stringify(command)}`);
    if (!this.#dispatchers.has(group)) throw new Error(`no group "${group}" on ${this.#config.id}`);
    this.#assignments.set(connector, group);
    return { connector, group };
  }

  #appsOfGroup(group: string): PublishedAppConfig[] {
    return this.#config.apps
      .filter((app) => app.group === group)
      .map((app) => ({ name: app.name, internalUrl: app.internalUrl, backendTimeoutMs: app.backendTimeoutMs }));
  }
}
