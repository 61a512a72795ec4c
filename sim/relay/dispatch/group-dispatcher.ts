import { systemClock, type Clock } from '../../common/clock.ts';
import { RelayError } from '../../protocol/errors.ts';
import { createDispatchPolicy, type DispatchPolicy, type SlotHolder } from './dispatch-policy.ts';
import type { DispatchSettings } from '../relay-config.ts';
import type { RelayMetrics } from '../relay-metrics.ts';

/** A request as the dispatcher sees it. */
export interface Dispatchable {
  /** HTTP requests need a free slot; WebSocket sessions only need a connector. */
  readonly needsSlot: boolean;
  /** Ends the request with a relay error; the dispatcher has already forgotten it. */
  reject(error: RelayError, retryAfterSeconds?: number): void;
  /**
   * It leaves the queue for a connector after waiting `waitedMs`. A request may pass the queue
   * more than once (a connector busy across its relays hands it back), so the wait is observed
   * once, when a connector accepts it (DispatchedWork), not here.
   */
  leftQueue(waitedMs: number): void;
}

/** A connector as the dispatcher sees it: slots and a way to hand it a request. */
export interface DispatchTarget<R> extends SlotHolder {
  readonly connectorId: string;
  assign(request: R): void;
}

interface QueueEntry<R> {
  readonly request: R;
  readonly enqueuedAt: number;
  readonly timer: unknown;
}

/**
 * One connector group's bounded FIFO queue and dispatch policy (DESIGN 5). A request waits only
 * while no connector of the group has a free slot; the wait is what relay_queue_wait_seconds shows.
 */
export class GroupDispatcher<R extends Dispatchable, C extends DispatchTarget<R>> {
  readonly group: string;
  readonly #settings: DispatchSettings;
  readonly #metrics: RelayMetrics;
  readonly #pick: DispatchPolicy<C>;
  readonly #connectors: C[] = [];
  readonly #queue: QueueEntry<R>[] = [];
  /** Queued entries that need no slot (sessions), so pump() knows whether to look past requests. */
  #queuedSessions = 0;
  readonly #clock: Clock;

  constructor(group: string, settings: DispatchSettings, metrics: RelayMetrics, random?: () => number, clock: Clock = systemClock) {
    this.group = group;
    this.#clock = clock;
    this.#settings = settings;
    this.#metrics = metrics;
    this.#pick = createDispatchPolicy<C>(settings.policy, random);
    metrics.queueDepth.set({ group }, 0);
  }

  submit(request: R): void {
    // Sessions need no slot, so they do not wait behind requests that do.
    if (this.#queue.length === 0 || !request.needsSlot) {
      const target = this.#pick(this.#connectors, request.needsSlot);
      if (target) return this.#assign(target, request, this.#clock.now());
    }
    if (this.#queue.length >= this.#settings.queueLimit) {
      this.#metrics.queueRejected.inc({ group: this.group, reason: 'queue_full' });
      request.reject(new RelayError('queue_full', `connector group "${this.group}" has ${this.#queue.length} requests waiting`), 1);
      return;
    }
    this.#enqueue(request, false);
  }

  /** Puts a request back at the head, ahead of newer arrivals (its connector died before accepting). */
  requeue(request: R): void {
    this.#enqueue(request, true);
    this.pump();
  }

  /** Forgets a queued request whose user went away. */
  withdraw(request: R): void {
    const index = this.#queue.findIndex((entry) => entry.request === request);
    if (index < 0) return;
    this.#remove(index);
  }

  addConnector(connector: C): void {
    this.#connectors.push(connector);
    this.pump();
  }

  removeConnector(connector: C): void {
    const index = this.#connectors.indexOf(connector);
    if (index >= 0) this.#connectors.splice(index, 1);
  }

  /**
   * Dispatches queued work in FIFO order while it can: requests while a slot is free, sessions
   * while any connector accepts. Call when a slot frees up or a connector arrives.
   */
  pump(): void {
    let slotsLeft = true;
    for (let i = 0; i < this.#queue.length;) {
      const entry = this.#queue[i]!;
      const target = entry.request.needsSlot && !slotsLeft ? undefined : this.#pick(this.#connectors, entry.request.needsSlot);
      if (!target) {
        if (!entry.request.needsSlot) return; // no connector accepts at all
        if (this.#queuedSessions === 0) return; // nothing behind it could go either
        slotsLeft = false;
        i++;
        continue;
      }
      this.#remove(i);
      this.#assign(target, entry.request, entry.enqueuedAt);
    }
  }

  /** Fails every queued request; used on shutdown. */
  rejectAll(error: RelayError): void {
    for (const entry of this.#queue.splice(0)) {
      this.#clock.clearTimeout(entry.timer);
      entry.request.reject(error);
    }
    this.#queuedSessions = 0;
    this.#updateDepth();
  }

  #assign(target: C, request: R, enqueuedAt: number): void {
    request.leftQueue(this.#clock.now() - enqueuedAt);
    this.#metrics.dispatches.inc({ group: this.group, connector: target.connectorId });
    target.assign(request);
  }

  #enqueue(request: R, atHead: boolean): void {
    const entry: QueueEntry<R> = {
      request,
      enqueuedAt: this.#clock.now(),
      timer: this.#clock.setTimeout(() => this.#expire(entry), this.#settings.queueTimeoutMs),
    };
    if (atHead) this.#queue.unshift(entry);
    else this.#queue.push(entry);
    if (!request.needsSlot) this.#queuedSessions++;
    this.#updateDepth();
  }

  #remove(index: number): void {
    const [entry] = this.#queue.splice(index, 1);
    this.#clock.clearTimeout(entry!.timer);
    if (!entry!.request.needsSlot) this.#queuedSessions--;
    this.#updateDepth();
  }

  #expire(entry: QueueEntry<R>): void {
    const index = this.#queue.indexOf(entry);
    if (index < 0) return;
    this.#remove(index);
    const waitedMs = this.#settings.queueTimeoutMs;
    const error =
      this.#connectors.length === 0
        ? new RelayError('no_connector', `no connector of group "${this.group}" became available within ${waitedMs} ms`)
        : new RelayError('queue_timeout', `every connector of group "${this.group}" stayed busy for ${waitedMs} ms`);
    this.#metrics.queueRejected.inc({ group: this.group, reason: error.code });
    entry.request.reject(error);
  }

  #updateDepth(): void {
    this.#metrics.queueDepth.set({ group: this.group }, this.#queue.length);
  }
}
