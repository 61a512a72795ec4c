import type net from 'node:net';
import type { ENDPOINT_REFUSALS } from '../relay-metrics.ts';
import { systemClock, type Clock } from '../../common/clock.ts';

export interface UnauthenticatedLimits {
  /** A connection must present a valid credential within this long, or it is cut. */
  readonly handshakeTimeoutMs: number;
  /** Connections allowed at once without a credential yet; more are cut on arrival. */
  readonly maxUnauthenticated: number;
}

type Refusal = (typeof ENDPOINT_REFUSALS)[number];

/** A connection's identity on both its raw and its TLS socket: its peer address and port. */
function keyOf(socket: Pick<net.Socket, 'remoteAddress' | 'remotePort'>): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}

/**
 * Bounds what a stranger can hold on the connector endpoint. Every accepted connection starts
 * unauthenticated: it must show a credential (the connector token on the control upgrade, a known
 * data token on its first HTTP/2 stream, or a verified client certificate) within
 * `handshakeTimeoutMs`, and at most `maxUnauthenticated` may wait at once. Without this, silent
 * sockets stayed open forever and 20,000 of them exhausted the relay's file descriptors.
 */
export class UnauthenticatedSockets {
  readonly #limits: UnauthenticatedLimits;
  readonly #onRefused: (reason: Refusal) => void;
  readonly #pending = new Map<string, unknown>();
  readonly #clock: Clock;

  constructor(limits: UnauthenticatedLimits, onRefused: (reason: Refusal) => void, clock: Clock = systemClock) {
    this.#limits = limits;
    this.#clock = clock;
    this.#onRefused = onRefused;
  }

  get waiting(): number {
    return this.#pending.size;
  }

  /** A new connection: admitted on probation (true), or cut at once when too many wait (false). */
  admit(socket: net.Socket): boolean {
    if (this.#pending.size >= this.#limits.maxUnauthenticated) {
      this.#onRefused('too_many_unauthenticated');
      socket.destroy();
      return false;
    }
    const key = keyOf(socket);
    const timer = this.#clock.setTimeout(() => {
      this.#pending.delete(key);
      this.#onRefused('handshake_timeout');
      socket.destroy();
    }, this.#limits.handshakeTimeoutMs);
    this.#pending.set(key, timer);
    // The key is taken now: a closed socket no longer knows its peer address.
    socket.once('close', () => this.#release(key));
    return true;
  }

  /** The connection showed a valid credential: it is no longer on probation. */
  authenticated(socket: Pick<net.Socket, 'remoteAddress' | 'remotePort'>): void {
    this.#release(keyOf(socket));
  }

  #release(key: string): void {
    const timer = this.#pending.get(key);
    if (timer === undefined) return;
    this.#clock.clearTimeout(timer);
    this.#pending.delete(key);
  }

  close(): void {
    for (const timer of this.#pending.values()) this.#clock.clearTimeout(timer);
    this.#pending.clear();
  }
}
