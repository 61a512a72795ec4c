import type { Logger } from '../common/logger.ts';
import type { PublishedAppConfig } from '../protocol/messages.ts';
import type { ControlChannel } from './control-channel.ts';
import type { GroupDispatcher } from './group-dispatcher.ts';
import type { RelayConfig } from './relay-config.ts';
import type { RelayMetrics } from './relay-metrics.ts';
import type { DispatchedWork } from './dispatched-work.ts';
import type { HeartbeatMonitor } from './heartbeat-monitor.ts';
import type { WorkRegistry } from './work-registry.ts';

/**
 * Registered control channels, found by the data-plane token each one hands its connector, and
 * by connector id: a connector id belongs to one connector process at a time.
 */
export class ChannelRegistry {
  readonly #byToken = new Map<string, ControlChannel>();
  readonly #byConnector = new Map<string, Set<ControlChannel>>();

  register(channel: ControlChannel): void {
    this.#byToken.set(channel.dataToken, channel);
    const same = this.#byConnector.get(channel.connectorId) ?? new Set();
    same.add(channel);
    this.#byConnector.set(channel.connectorId, same);
  }

  unregister(channel: ControlChannel): void {
    this.#byToken.delete(channel.dataToken);
    const same = this.#byConnector.get(channel.connectorId);
    same?.delete(channel);
    if (same?.size === 0) this.#byConnector.delete(channel.connectorId);
  }

  /** The process instance that holds `connectorId` through a live channel, if any. */
  instanceOf(connectorId: string): string | undefined {
    const [first] = this.#byConnector.get(connectorId) ?? [];
    return first?.instance;
  }

  byToken(token: string | undefined): ControlChannel | undefined {
    return token === undefined ? undefined : this.#byToken.get(token);
  }

  all(): ControlChannel[] {
    return [...this.#byToken.values()];
  }
}

/** What the relay's parts share; built once by `Relay` and passed down. */
export interface RelayContext {
  readonly config: RelayConfig;
  readonly log: Logger;
  readonly metrics: RelayMetrics;
  /** Every live request and session by id, whatever its state. */
  readonly work: WorkRegistry;
  readonly channels: ChannelRegistry;
  /** Pings every registered channel and declares the silent ones dead. */
  readonly heartbeats: HeartbeatMonitor;
  dispatcher(group: string): GroupDispatcher<DispatchedWork, ControlChannel> | undefined;
  appsOfGroup(group: string): PublishedAppConfig[];
  /** Tells the sim controller's timeline about connector state changes the relay sees. */
  report(action: string, target: string, detail?: string): void;
}
