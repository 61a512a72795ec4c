/**
 * Ids a control channel released recently. The control channel (WebSocket) and the data plane
 * (HTTP/2) are separate TCP connections, so a connector's `accept` may arrive after the response
 * already finished, and its `fail` or response stream after the relay cancelled the request. Such
 * late words about a request it really held are ignored, not treated as protocol violations.
 * Entries expire after `ttlMs`, and at most `capacity` are kept, so memory stays bounded.
 */
export class ReleasedIds {
  readonly #expiry = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #capacity: number;
  readonly #now: () => number;

  constructor(ttlMs = 60_000, capacity = 100_000, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#capacity = capacity;
    this.#now = now;
  }

  add(id: string): void {
    this.#evict();
    if (this.#expiry.size >= this.#capacity) this.#expiry.delete(this.#expiry.keys().next().value!);
    this.#expiry.set(id, this.#now() + this.#ttlMs);
  }

  has(id: string): boolean {
    const expiresAt = this.#expiry.get(id);
    return expiresAt !== undefined && expiresAt > this.#now();
  }

  get size(): number {
    return this.#expiry.size;
  }

  /** Insertion order is expiry order, so expired entries are always at the front. */
  #evict(): void {
    const now = this.#now();
    for (const [id, expiresAt] of this.#expiry) {
      if (expiresAt > now) return;
      this.#expiry.delete(id);
    }
  }
}
