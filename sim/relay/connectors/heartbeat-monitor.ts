import { everyInterval, systemIntervalClock, type IntervalClock } from '../../common/stall-aware-interval.ts';
import type { HeartbeatSettings } from '../relay-config.ts';

/** A connector's control channel, as far as liveness is concerned. */
export interface Heartbeating {
  /** When the connector last answered a ping (epoch ms). */
  readonly lastPong: number;
  ping(): void;
  /** Missed `missed` heartbeats: the relay declares it dead, `since` its last sign of life. */
  declareDead(since: number): void;
}

/**
 * One heartbeat clock for all of a relay's control channels: every interval it pings each, and
 * declares dead any channel whose connector has not answered for `intervalMs × missed`.
 *
 * If the relay itself stalled (its timer fired late: the process was frozen or its loop blocked),
 * the waiting pongs are still unread, so no verdict is given on that tick: each channel gets one
 * more interval, and the stall is reported on its own (`onStall`), never as connector deaths.
 */
export class HeartbeatMonitor {
  readonly #settings: HeartbeatSettings;
  readonly #onStall: (stalledMs: number) => void;
  readonly #clock: IntervalClock;
  readonly #channels = new Set<Heartbeating>();
  #stop: (() => void) | undefined;
  /** No channel is judged before this time (epoch ms): set one interval after a stall. */
  #graceUntil = 0;

  constructor(settings: HeartbeatSettings, onStall: (stalledMs: number) => void, clock: IntervalClock = systemIntervalClock) {
    this.#settings = settings;
    this.#onStall = onStall;
    this.#clock = clock;
  }

  start(): void {
    this.#stop ??= everyInterval(this.#settings.intervalMs, (stalledMs) => this.#tick(stalledMs), this.#clock);
  }

  close(): void {
    this.#stop?.();
    this.#stop = undefined;
    this.#channels.clear();
  }

  /** Starts watching a registered channel; the returned function stops it. */
  watch(channel: Heartbeating): () => void {
    this.#channels.add(channel);
    return () => this.#channels.delete(channel);
  }

  #tick(stalledMs: number): void {
    const now = this.#clock.now();
    if (stalledMs > 0) {
      this.#graceUntil = now + this.#settings.intervalMs;
      this.#onStall(stalledMs);
    }
    const limitMs = this.#settings.intervalMs * this.#settings.missed;
    for (const channel of [...this.#channels]) {
      if (now >= this.#graceUntil && now - channel.lastPong > limitMs) channel.declareDead(channel.lastPong);
      else channel.ping();
    }
  }
}
