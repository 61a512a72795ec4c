/** What the registry needs to know of a registered control channel. */
export interface RegisteredChannel {
  readonly dataToken: string;
  readonly connectorId: string;
  /** The connector process behind the channel (its hello's `instance`). */
  readonly instance: string | undefined;
}

/**
 * Registered control channels, found by the data-plane token each one hands its connector, and
 * by connector id: a connector id belongs to one connector process at a time.
 */
export class ChannelRegistry<C extends RegisteredChannel> {
  readonly #byToken = new Map<string, C>();
  readonly #byConnector = new Map<string, Set<C>>();

  register(channel: C): void {
    this.#byToken.set(channel.dataToken, channel);
    const same = this.#byConnector.get(channel.connectorId) ?? new Set();
    same.add(channel);
    this.#byConnector.set(channel.connectorId, same);
  }

  unregister(channel: C): void {
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

  byToken(token: string | undefined): C | undefined {
    return token === undefined ? undefined : this.#byToken.get(token);
  }

  all(): C[] {
    return [...this.#byToken.values()];
  }
}
