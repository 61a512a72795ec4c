import type { Logger } from '../common/logger.ts';
import type { PublishedAppConfig } from '../protocol/messages.ts';
import type { ControlChannel } from './connectors/control-channel.ts';
import type { GroupDispatcher } from './dispatch/group-dispatcher.ts';
import type { RelayConfig } from './relay-config.ts';
import type { RelayMetrics } from './relay-metrics.ts';
import type { DispatchedWork } from './dispatch/dispatched-work.ts';
import type { HeartbeatMonitor } from './connectors/heartbeat-monitor.ts';
import type { ChannelRegistry } from './connectors/channel-registry.ts';
import type { WorkRegistry } from './dispatch/work-registry.ts';

/** What the relay's parts share; built once by `Relay` and passed down. */
export interface RelayContext {
  readonly config: RelayConfig;
  readonly log: Logger;
  readonly metrics: RelayMetrics;
  /** Every live request and session by id, whatever its state. */
  readonly work: WorkRegistry;
  readonly channels: ChannelRegistry<ControlChannel>;
  /** Pings every registered channel and declares the silent ones dead. */
  readonly heartbeats: HeartbeatMonitor;
  dispatcher(group: string): GroupDispatcher<DispatchedWork, ControlChannel> | undefined;
  appsOfGroup(group: string): PublishedAppConfig[];
  /** Tells the sim controller's timeline about connector state changes the relay sees. */
  report(action: string, target: string, detail?: string): void;
}
