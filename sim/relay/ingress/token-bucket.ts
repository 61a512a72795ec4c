/**
 * A token bucket: `ratePerSecond` tokens a second, holding at most one second's worth, so a client
 * may burst to the rate but not beyond it. The clock is injectable for tests.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  constructor(ratePerSecond: number, now: () => number = () => performance.now()) {
    this.#rate = ratePerSecond;
    this.#now = now;
    this.#tokens = ratePerSecond;
    this.#updatedAt = now();
  }

  /** Takes a token if there is one. */
  tryTake(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /**
   * Retry-After for a refused request, in whole seconds and never 0: a token may have refilled
   * since the refusal, but a 429 that says "retry after 0" invites a hot retry loop.
   */
  secondsUntilToken(): number {
    this.#refill();
    return Math.max(1, Math.ceil(Math.max(0, 1 - this.#tokens) / this.#rate));
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#updatedAt) / 1000) * this.#rate);
    this.#updatedAt = now;
  }
}
