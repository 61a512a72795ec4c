export interface BackoffSettings {
  readonly initialMs: number;
  readonly maxMs: number;
  /** A connection that stayed up this long resets the backoff to its first step. */
  readonly resetAfterMs: number;
}

export interface BackoffClock {
  now(): number;
  random(): number;
}

const systemClock: BackoffClock = { now: Date.now, random: Math.random };

/**
 * Exponential backoff with full jitter (delay uniform in [0, min(max, initial·2^attempt)]), reset
 * after a stable period, as cloudflared's supervisor does. The clock is injectable for tests.
 */
export class Backoff {
  readonly #settings: BackoffSettings;
  readonly #clock: BackoffClock;
  #attempt = 0;
  #connectedAt: number | undefined;

  constructor(settings: BackoffSettings, clock: BackoffClock = systemClock) {
    this.#settings = settings;
    this.#clock = clock;
  }

  get attempt(): number {
    return this.#attempt;
  }

  connected(): void {
    this.#connectedAt = this.#clock.now();
  }

  /** The delay before the next attempt; call once per failed or lost connection. */
  nextDelayMs(): number {
    if (this.#connectedAt !== undefined && this.#clock.now() - this.#connectedAt >= this.#settings.resetAfterMs) {
      this.#attempt = 0;
    }
    this.#connectedAt = undefined;
    const ceiling = Math.min(this.#settings.maxMs, this.#settings.initialMs * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 30);
    return Math.floor(this.#clock.random() * ceiling);
  }
}
