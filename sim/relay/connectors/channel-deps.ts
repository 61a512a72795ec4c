import type { Logger } from '../../common/logger.ts';
import type { PublishedAppConfig } from '../../protocol/messages.ts';
import type { DispatchedWork } from '../dispatch/dispatched-work.ts';
import type { DispatchTarget, GroupDispatcher } from '../dispatch/group-dispatcher.ts';
import type { WorkRegistry } from '../dispatch/work-registry.ts';
import type { RelayConfig } from '../relay-config.ts';
import type { RelayMetrics } from '../relay-metrics.ts';
import type { ChannelRegistry, RegisteredChannel } from './channel-registry.ts';
import type { HeartbeatMonitor } from './heartbeat-monitor.ts';

/**
 * What a control channel uses of the relay: the slice of config and the shared parts it needs.
 * `C` is the channel type itself (kept generic so this file need not import it).
 */
export interface ChannelDeps<C extends RegisteredChannel & DispatchTarget<DispatchedWork>> {
  readonly config: Pick<RelayConfig, 'id' | 'heartbeat' | 'websocket' | 'failover'>;
  readonly log: Logger;
  readonly metrics: RelayMetrics;
  /** Every live request and session by id, whatever its state. */
  readonly work: WorkRegistry;
  readonly channels: ChannelRegistry<C>;
  /** Pings every registered channel and declares the silent ones dead. */
  readonly heartbeats: HeartbeatMonitor;
  dispatcher(group: string): GroupDispatcher<DispatchedWork, C> | undefined;
  appsOfGroup(group: string): PublishedAppConfig[];
  /** The group the service assigns a connector (topology, or an administrator's move); undefined if none. */
  assignedGroup(connectorId: string): string | undefined;
  /** Tells the sim controller's timeline about connector state changes the relay sees. */
  report(action: string, target: string, detail?: string): void;
}
