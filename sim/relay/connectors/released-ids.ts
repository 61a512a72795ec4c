/**
 * Ids a control channel released recently. The control channel (WebSocket) and the data plane
 * (HTTP/2) are separate TCP connections, so a connector's `accept` may arrive after the response
 * already finished, and its `fail` or response stream after the relay cancelled the request. Such
 * late words about a request it really held are ignored, not treated as protocol violations.
 * Entries expire after `ttlMs`, and at most `capacity` are kept, so memory stays bounded.
 *
 * It keeps a 32-bit fingerprint of each id in typed arrays, not the id, so a release allocates
 * nothing. Under load the relay releases thousands of ids a second and keeps each for a minute;
 * holding the id strings made every young GC promote them, and after the first full GC the relay
 * went on promoting ~1.4 MB per scavenge (`--trace-gc-nvp`, autocannon at 50 connections). Two ids
 * may share a fingerprint (an unknown id matches one with odds of about size / 2^32); then a
 * protocol violation reads as a late word and is ignored, which is the safe side.
 */
export class ReleasedIds {
  readonly #ttlMs: number;
  readonly #capacity: number;
  readonly #now: () => number;
  /** A ring in release order, so expiry order: the oldest is at `#head`. */
  #fingerprints!: Int32Array;
  #expiries!: Float64Array;
  /** Open addressing with linear probing: ring position + 1 per slot, 0 for an empty slot. */
  #index!: Int32Array;
  #head = 0;
  #size = 0;

  constructor(ttlMs = 60_000, capacity = 100_000, now: () => number = Date.now) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ReleasedIds capacity must be a positive integer, got ${capacity}`);
    this.#ttlMs = ttlMs;
    this.#capacity = capacity;
    this.#now = now;
    this.#allocate(Math.min(capacity, 1024));
  }

  add(id: string): void {
    this.#evictExpired();
    if (this.#size === this.#fingerprints.length) {
      if (this.#size < this.#capacity) this.#grow();
      else this.#evictOldest();
    }
    const position = (this.#head + this.#size) % this.#fingerprints.length;
    const fingerprint = fingerprintOf(id);
    this.#fingerprints[position] = fingerprint;
    this.#expiries[position] = this.#now() + this.#ttlMs;
    this.#size++;
    this.#insert(fingerprint, position);
  }

  has(id: string): boolean {
    const fingerprint = fingerprintOf(id);
    const now = this.#now();
    const mask = this.#index.length - 1;
    for (let slot = fingerprint & mask; this.#index[slot] !== 0; slot = (slot + 1) & mask) {
      const position = this.#index[slot]! - 1;
      if (this.#fingerprints[position] === fingerprint && this.#expiries[position]! > now) return true;
    }
    return false;
  }

  get size(): number {
    return this.#size;
  }

  #allocate(length: number): void {
    this.#fingerprints = new Int32Array(length);
    this.#expiries = new Float64Array(length);
    // At most half full, so probe runs stay short.
    this.#index = new Int32Array(2 ** Math.ceil(Math.log2(2 * length)));
  }

  #grow(): void {
    const fingerprints = this.#fingerprints;
    const expiries = this.#expiries;
    this.#allocate(Math.min(this.#capacity, 2 * fingerprints.length));
    for (let i = 0; i < this.#size; i++) {
      const from = (this.#head + i) % fingerprints.length;
      this.#fingerprints[i] = fingerprints[from]!;
      this.#expiries[i] = expiries[from]!;
      this.#insert(fingerprints[from]!, i);
    }
    this.#head = 0;
  }

  #insert(fingerprint: number, position: number): void {
    const mask = this.#index.length - 1;
    let slot = fingerprint & mask;
    while (this.#index[slot] !== 0) slot = (slot + 1) & mask;
    this.#index[slot] = position + 1;
  }

  #evictExpired(): void {
    const now = this.#now();
    while (this.#size > 0 && this.#expiries[this.#head]! <= now) this.#evictOldest();
  }

  #evictOldest(): void {
    const mask = this.#index.length - 1;
    let slot = this.#fingerprints[this.#head]! & mask;
    while (this.#index[slot] !== this.#head + 1) slot = (slot + 1) & mask;
    this.#removeSlot(slot);
    this.#head = (this.#head + 1) % this.#fingerprints.length;
    this.#size--;
  }

  /** Backward-shift deletion: later entries of the probe run move up, so no tombstones build up. */
  #removeSlot(slot: number): void {
    const mask = this.#index.length - 1;
    let hole = slot;
    for (let next = (hole + 1) & mask; this.#index[next] !== 0; next = (next + 1) & mask) {
      const home = this.#fingerprints[this.#index[next]! - 1]! & mask;
      // The entry at `next` may fill the hole only if the hole is not before its home slot.
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        this.#index[hole] = this.#index[next]!;
        hole = next;
      }
    }
    this.#index[hole] = 0;
  }
}

/** FNV-1a over the id's UTF-16 code units. */
function fingerprintOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash | 0;
}
