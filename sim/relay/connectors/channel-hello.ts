import { ProtocolError } from '../../protocol/errors.ts';
import { PROTOCOL_VERSION, type HelloMessage, type PublishedAppConfig, type RelayMessage } from '../../protocol/messages.ts';
import type { RelayConfig } from '../relay-config.ts';

/** What the relay knows when a connector says hello on a channel. */
export interface HelloContext {
  /** With mutual TLS, the connector id the channel's certificate proves. */
  readonly certifiedId: string | undefined;
  readonly groupExists: boolean;
  /** The process instance already connected under the hello's connector id, if any. */
  readonly connectedInstance: string | undefined;
}

/** Throws the protocol violation a hello commits, if any: version, identity, group, impostor. */
export function checkHello(hello: HelloMessage, group: string, context: HelloContext): void {
  if (hello.v !== PROTOCOL_VERSION) {
    throw new ProtocolError('unsupported_version', `protocol v${hello.v} is not supported; this relay speaks v${PROTOCOL_VERSION}`);
  }
  if (context.certifiedId !== undefined && hello.connectorId !== context.certifiedId) {
    throw new ProtocolError('unauthorized', `hello names connector ${hello.connectorId}, but its certificate is for ${context.certifiedId}`);
  }
  if (!context.groupExists) throw new ProtocolError('unexpected_message', `unknown connector group "${group}"`);
  if (context.connectedInstance !== undefined && context.connectedInstance !== hello.instance) {
    // Another process claims a connector id that is connected: an impostor (or a twin started by
    // mistake). It gets no traffic; the real connector keeps its channels.
    throw new ProtocolError(
      'unauthorized',
      `connector ${hello.connectorId} is already connected from another process; a second one is refused while that one is connected`,
    );
  }
}

/** The welcome a registered connector gets: its data token, heartbeat, the group it serves and its apps, tunnel settings. */
export function welcome(
  config: Pick<RelayConfig, 'id' | 'heartbeat' | 'websocket'>,
  dataToken: string,
  group: string,
  apps: PublishedAppConfig[],
): RelayMessage {
  const { maxMessageBytes, keepaliveMs, highWaterBytes } = config.websocket;
  return {
    type: 'welcome',
    v: PROTOCOL_VERSION,
    relayId: config.id,
    dataToken,
    heartbeat: config.heartbeat,
    group,
    apps,
    websocket: { maxMessageBytes, keepaliveMs, highWaterBytes },
  };
}
