import type { ChannelDeps } from './connectors/channel-deps.ts';
import type { ControlChannel } from './connectors/control-channel.ts';
import type { RelayConfig } from './relay-config.ts';

/**
 * What the relay's parts share, built once by `Relay`: the whole config and every shared part.
 * Each part is handed only the slice it declares (ChannelDeps, EndpointDeps, IngressDeps).
 */
export interface RelayContext extends ChannelDeps<ControlChannel> {
  readonly config: RelayConfig;
}
