import type { IncomingMessage } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import type { Clock } from '../../common/clock.ts';
import { ProtocolError, RelayError } from '../../protocol/errors.ts';
import { SESSION_COOKIE } from '../auth/session-cookie.ts';
import { forwardRequestHeaders } from '../ingress/forward-headers.ts';
import type { Dispatchable } from './group-dispatcher.ts';
import type { PublishedApp } from '../ingress/published-app.ts';
import type { LossStage, RelayMetrics } from '../relay-metrics.ts';
import type { DispatchMessage } from '../../protocol/messages.ts';

/** The connector's control channel currently holding a piece of work. */
export interface WorkOwner {
  readonly connectorId: string;
  /** Tells the connector to stop work on it. */
  cancel(work: DispatchedWork, reason: string): void;
  /** Frees what it held (a request slot; sessions hold none). */
  release(work: DispatchedWork): void;
}

export interface WorkHooks {
  /** The time and timers the work's deadline runs on (injectable for tests). */
  readonly clock: Clock;
  /** The work is queued and its user went away. */
  withdraw(work: DispatchedWork): void;
  /** The work is over; its id is no longer honoured. */
  settled(work: DispatchedWork): void;
}

export type WorkState = 'queued' | 'dispatched' | 'accepted' | 'responding' | 'done';
export type WorkKind = 'http' | 'ws';

/** RFC 9110 §9.2.2: methods whose repetition has the effect of one request. Only these are replayed. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Extra time the relay allows beyond the connector's own backend timeout before it gives up. */
const CONNECTOR_GRACE_MS = 5000;

/**
 * What an HTTP request and a WebSocket session share on their way through the relay: an id, the
 * queue → dispatched → accepted → responding → done lifecycle, the owning connector, and a
 * relay-side deadline for a connector that accepted but never answers.
 */
export abstract class DispatchedWork implements Dispatchable {
  abstract readonly kind: WorkKind;
  abstract readonly hasBody: boolean;
  readonly id: string;
  readonly app: PublishedApp;
  readonly req: IncomingMessage;
  readonly forwardedHeaders: string[];
  protected readonly metrics: RelayMetrics;
  protected readonly hooks: WorkHooks;
  protected readonly receivedAt: number;
  protected bodyPulled = false;
  /** Times this work was replayed on another connector after its connector died. */
  retries = 0;
  #state: WorkState = 'queued';
  #owner: WorkOwner | undefined;
  #guard: unknown;
  #lost = false;
  /** Time spent in the group queue so far (a busy connector may hand the work back to it). */
  #queuedMs = 0;
  #waitObserved = false;

  /** @param user the pre-authenticated user, for apps with `preAuth: relay` */
  constructor(id: string, app: PublishedApp, req: IncomingMessage, metrics: RelayMetrics, hooks: WorkHooks, user?: string) {
    this.id = id;
    this.app = app;
    this.req = req;
    this.metrics = metrics;
    this.hooks = hooks;
    this.receivedAt = hooks.clock.now();
    this.forwardedHeaders = forwardRequestHeaders(req, user === undefined ? undefined : { user, sessionCookie: SESSION_COOKIE });
  }

  get needsSlot(): boolean {
    return this.kind === 'http';
  }

  get state(): WorkState {
    return this.#state;
  }

  get owner(): WorkOwner | undefined {
    return this.#owner;
  }

  /**
   * Safe to run again elsewhere: an idempotent method, no upload was pulled and no response byte
   * reached the user. A body-less POST is not: its connector may have called the backend already.
   */
  get replayable(): boolean {
    const idempotent = IDEMPOTENT_METHODS.has(this.req.method ?? 'GET');
    return idempotent && !this.bodyPulled && (this.#state === 'dispatched' || this.#state === 'accepted');
  }

  dispatchedTo(owner: WorkOwner): void {
    this.#state = 'dispatched';
    this.#owner = owner;
    this.armGuard();
  }

  leftQueue(waitedMs: number): void {
    this.#queuedMs += waitedMs;
  }

  accepted(): void {
    if (this.#state !== 'dispatched') return;
    this.#state = 'accepted';
    this.#observeQueueWait();
  }

  /** relay_queue_wait_seconds: once per request, all its time in the queue, when a connector took it. */
  #observeQueueWait(): void {
    if (this.#waitObserved) return;
    this.#waitObserved = true;
    this.metrics.queueWait.observe({ group: this.app.group }, this.#queuedMs / 1000);
  }

  /** Back to the queue after its connector went away; the old owner no longer holds it. */
  requeued(): void {
    this.clearGuard();
    this.#owner = undefined;
    this.#state = 'queued';
  }

  /** The `dispatch` message that offers this work to a connector. */
  dispatchMessage(): DispatchMessage {
    return {
      type: 'dispatch',
      id: this.id,
      app: this.app.name,
      method: this.req.method ?? 'GET',
      path: this.req.url ?? '/',
      headers: this.forwardedHeaders,
      hasBody: this.hasBody,
      kind: this.kind,
      deadline: Date.now() + this.app.backendTimeoutMs,
    };
  }

  /**
   * Ends work lost with its connector (DESIGN 5): `error` for the user, or a cut if the response
   * had started. However many paths notice the loss (the control channel, the data-plane
   * session), it is counted once.
   */
  loseInFlight(error: RelayError): boolean {
    if (this.#lost || this.#state === 'done') return false;
    this.#lost = true;
    this.countLoss(this.#state === 'responding' ? 'mid_response' : 'before_response');
    this.reject(error);
    return true;
  }

  /** Counts a loss in the metric for this kind of work (HTTP requests; sessions count their outcome). */
  protected countLoss(_stage: LossStage): void {}

  /** Ends the work with a relay-made error (or cuts it, if the response already started). */
  abstract reject(error: RelayError, retryAfterSeconds?: number): void;
  /** The connector streams a response: head in `rawHead`, body on `stream`. */
  abstract respond(stream: ServerHttp2Stream, status: number, rawHead: readonly string[]): void;
  /** A small response that came whole in one control frame (the inline fast path). */
  abstract respondInline(status: number, rawHead: readonly string[], body: Buffer): void;

  /** The connector pulls the user's upload. Only HTTP requests with a body have one. */
  attachBody(_stream: ServerHttp2Stream): void {
    throw new ProtocolError('unexpected_message', `${this.kind} ${this.id} has no body to pull`);
  }

  /** The connector opened the WebSocket tunnel. Only sessions have one. */
  openTunnel(_stream: ServerHttp2Stream, _rawHead: readonly string[]): void {
    throw new ProtocolError('unexpected_message', `${this.kind} ${this.id} has no tunnel`);
  }

  /** Moves to `responding`; a response for work not awaiting one is a protocol violation. */
  protected beginResponse(): void {
    if (this.#state !== 'dispatched' && this.#state !== 'accepted') {
      throw new ProtocolError('unexpected_message', `${this.kind} ${this.id} is ${this.#state}, not awaiting a response`);
    }
    this.#observeQueueWait(); // a response without an accept first
    this.#state = 'responding';
    this.clearGuard();
  }

  /** Marks the work done and lets go of it; false if it already was. */
  protected finishWork(): boolean {
    if (this.#state === 'done') return false;
    this.#state = 'done';
    this.clearGuard();
    this.#owner?.release(this);
    this.hooks.settled(this);
    return true;
  }

  /** Relay-side bound on a connector that accepted but never answers. */
  protected armGuard(): void {
    this.clearGuard();
    const limitMs = this.app.backendTimeoutMs + CONNECTOR_GRACE_MS;
    this.#guard = this.hooks.clock.setTimeout(() => {
      this.#owner?.cancel(this, 'deadline');
      this.reject(new RelayError('backend_timeout', `no response from the connector within ${limitMs} ms`));
    }, limitMs);
  }

  protected clearGuard(): void {
    if (this.#guard !== undefined) this.hooks.clock.clearTimeout(this.#guard);
    this.#guard = undefined;
  }

  protected elapsedSeconds(): number {
    return (this.hooks.clock.now() - this.receivedAt) / 1000;
  }
}
