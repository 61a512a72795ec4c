import type { Gauge } from 'prom-client';

/** A relay link as the slot count sees it: somewhere to send `ready`. */
export interface SlotClaimant {
  send(message: { type: 'ready' }): void;
}

/**
 * A connector's request slots, counted across every relay it serves: App Proxy documents 200
 * concurrent requests per connector, not per relay instance. A dispatch that finds every slot
 * taken is refused (`reject` `busy`) and its relay is owed a `ready` when one frees, so excess
 * work waits in the relays' queues, never inside the connector. WebSocket tunnels take no slot.
 */
export class ConnectorSlots {
  readonly #limit: number;
  readonly #gauges: { readonly inUse: Gauge; readonly peak: Gauge };
  /** Links refused since the last free slot. */
  readonly #owed = new Set<SlotClaimant>();
  #inUse = 0;
  #peak = 0;
  #onIdle: (() => void) | undefined;

  constructor(limit: number, gauges: { readonly inUse: Gauge; readonly peak: Gauge }) {
    this.#limit = limit;
    this.#gauges = gauges;
  }

  get inUse(): number {
    return this.#inUse;
  }

  /** Takes a slot for a request from `link`; false (and `link` is owed a `ready`) when all are taken. */
  take(link: SlotClaimant): boolean {
    if (this.#inUse >= this.#limit) {
      this.#owed.add(link);
      return false;
    }
    this.#inUse++;
    this.#peak = Math.max(this.#peak, this.#inUse);
    this.#gauges.inUse.set(this.#inUse);
    this.#gauges.peak.set(this.#peak);
    return true;
  }

  /** Frees a slot and tells every relay refused meanwhile that one is free again. */
  free(): void {
    this.#inUse--;
    this.#gauges.inUse.set(this.#inUse);
    for (const link of this.#owed) link.send({ type: 'ready' });
    this.#owed.clear();
    if (this.#inUse === 0) this.#onIdle?.();
  }

  /** Resolves when no slot is in use, or after `graceMs`, whichever comes first (a drain). */
  idle(graceMs: number): Promise<void> {
    if (this.#inUse === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.#onIdle = undefined;
        resolve();
      };
      const timer = setTimeout(finish, graceMs);
      this.#onIdle = finish;
    });
  }
}
