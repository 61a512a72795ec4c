import type { DispatchedWork } from '../dispatch/dispatched-work.ts';
import { ReleasedIds } from './released-ids.ts';

/**
 * The work one connector's control channel holds, and the slots it takes: an HTTP request takes
 * one, a WebSocket session none. A connector's `slots` bound all its requests across every relay
 * together (App Proxy: 200 per connector), so it may answer a dispatch `reject` `busy` while this
 * relay still counts slots free; then this channel takes no request until the connector says
 * `ready` (DESIGN 4).
 */
export class HeldWork {
  /** Everything dispatched to this connector and not over: requests and sessions. */
  readonly inflight = new Map<string, DispatchedWork>();
  /** Requests this channel held that are over; late messages about them are not violations. */
  readonly released = new ReleasedIds();
  #requests = 0;
  #full = false;

  /** HTTP requests held: the slots in use on this relay. */
  get requests(): number {
    return this.#requests;
  }

  /** The connector said it has no slot left, counting its work for every relay. */
  get full(): boolean {
    return this.#full;
  }

  hold(work: DispatchedWork): void {
    this.inflight.set(work.id, work);
    if (work.kind === 'http') this.#requests++;
  }

  /** Lets go of work without marking it over (it goes back to the queue); false if not held. */
  forget(work: DispatchedWork): boolean {
    if (!this.inflight.delete(work.id)) return false;
    if (work.kind === 'http') this.#requests--;
    return true;
  }

  /** The work is over: let go, and later words about it are ignored. False if not held. */
  release(work: DispatchedWork): boolean {
    if (!this.forget(work)) return false;
    this.released.add(work.id);
    return true;
  }

  /** The connector refused `work` because it is full (`reject` `busy`), or has a slot again (`ready`). */
  setFull(full: boolean): void {
    this.#full = full;
  }

  /** Lets go of everything at once (the connector is gone); returns what was held. */
  takeAll(): DispatchedWork[] {
    const all = [...this.inflight.values()];
    this.inflight.clear();
    this.#requests = 0;
    return all;
  }
}
