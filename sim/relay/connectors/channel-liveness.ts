import type { WebSocket } from 'ws';
import type { Heartbeating } from './heartbeat-monitor.ts';

/**
 * One control channel's side of the heartbeat: it pings the connector, remembers its last pong,
 * and hands the verdict back when the relay's HeartbeatMonitor declares the connector dead.
 */
export class ChannelLiveness implements Heartbeating {
  #lastPong = Date.now();
  readonly #ws: WebSocket;
  readonly #onDead: (since: number) => void;

  /** @param onDead ends the channel; `since` is the connector's last sign of life */
  constructor(ws: WebSocket, onDead: (since: number) => void) {
    this.#ws = ws;
    this.#onDead = onDead;
    ws.on('pong', () => (this.#lastPong = Date.now()));
  }

  get lastPong(): number {
    return this.#lastPong;
  }

  ping(): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.ping();
  }

  declareDead(since: number): void {
    this.#onDead(since);
  }

  /** Counts from now: the connector has just registered. */
  restart(): void {
    this.#lastPong = Date.now();
  }
}
