import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { ProtocolError, RelayError } from '../protocol/errors.ts';
import { sendRelayError } from './error-response.ts';
import { forwardRequestHeaders, userResponseHeaders } from './forward-headers.ts';
import type { Dispatchable } from './group-dispatcher.ts';
import type { PublishedApp } from './published-app.ts';
import type { RelayMetrics } from './relay-metrics.ts';

/** The connector's control channel currently holding a request. */
export interface RequestOwner {
  readonly connectorId: string;
  /** Tells the connector to stop work on the request. */
  cancel(request: RelayRequest, reason: string): void;
  /** Frees the request's slot. */
  release(request: RelayRequest): void;
}

export interface RequestHooks {
  /** The request is queued and its user went away. */
  withdraw(request: RelayRequest): void;
  /** The request is over; its id is no longer honoured. */
  settled(request: RelayRequest): void;
}

export type RequestState = 'queued' | 'dispatched' | 'accepted' | 'responding' | 'done';

/** Label for a request whose user left before the response completed (nginx's convention). */
const CLIENT_CLOSED = '499';
/** Extra time the relay allows beyond the connector's own backend timeout before it gives up. */
const CONNECTOR_GRACE_MS = 5000;

/**
 * One user request from arrival to last byte: queued, dispatched to a connector, accepted, then
 * streamed. The user's upload is read only when the connector pulls it; the response streams back.
 */
export class RelayRequest implements Dispatchable {
  readonly id: string;
  readonly app: PublishedApp;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly hasBody: boolean;
  readonly forwardedHeaders: string[];
  #state: RequestState = 'queued';
  #owner: RequestOwner | undefined;
  #bodyPulled = false;
  #guard: NodeJS.Timeout | undefined;
  #bytesUp = 0;
  #bytesDown = 0;
  readonly #receivedAt = performance.now();
  readonly #metrics: RelayMetrics;
  readonly #hooks: RequestHooks;

  constructor(id: string, app: PublishedApp, req: IncomingMessage, res: ServerResponse, metrics: RelayMetrics, hooks: RequestHooks) {
    this.id = id;
    this.app = app;
    this.req = req;
    this.res = res;
    this.#metrics = metrics;
    this.#hooks = hooks;
    this.hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    this.forwardedHeaders = forwardRequestHeaders(req);
    if (!this.hasBody) req.resume();
    res.once('close', () => this.#onUserClosed());
  }

  get state(): RequestState {
    return this.#state;
  }

  get owner(): RequestOwner | undefined {
    return this.#owner;
  }

  /** Safe to run again elsewhere: the upload was not pulled and no response byte reached the user. */
  get replayable(): boolean {
    return !this.#bodyPulled && (this.#state === 'dispatched' || this.#state === 'accepted');
  }

  dispatchedTo(owner: RequestOwner): void {
    this.#state = 'dispatched';
    this.#owner = owner;
    this.#armGuard();
  }

  accepted(): void {
    if (this.#state === 'dispatched') this.#state = 'accepted';
  }

  /** Back to the queue after its connector went away; the old owner no longer holds it. */
  requeued(): void {
    this.#clearGuard();
    this.#owner = undefined;
    this.#state = 'queued';
  }

  /** The connector pulls the user's upload: only now does the relay start reading it. */
  attachBody(stream: ServerHttp2Stream): void {
    if (!this.hasBody) throw new ProtocolError('unexpected_message', `request ${this.id} has no body`);
    if (this.#bodyPulled) throw new ProtocolError('unexpected_message', `body of ${this.id} was already pulled`);
    this.#bodyPulled = true;
    this.#clearGuard(); // an upload may legitimately outlast the backend timeout
    stream.respond({ ':status': 200 });
    this.req.on('data', (chunk: Buffer) => (this.#bytesUp += chunk.length));
    pipeline(this.req, stream).then(
      () => this.#armGuard(),
      () => undefined, // the user or the connector went away; the close handlers settle the request
    );
  }

  /** The connector streams the response: head in `rawHead`, body on `stream`. */
  respond(stream: ServerHttp2Stream, status: number, rawHead: readonly string[]): void {
    this.#writeHead(status, rawHead);
    stream.on('data', (chunk: Buffer) => (this.#bytesDown += chunk.length));
    pipeline(stream, this.res).then(
      () => {
        if (!stream.destroyed) stream.respond({ ':status': 200 }, { endStream: true });
        this.#finish(String(status));
      },
      () => {
        // Cut mid-body: the user sees a truncated response, as with any proxy.
        if (!stream.destroyed) stream.close();
        this.res.destroy();
      },
    );
  }

  /** A small response that came whole in one control frame (the inline fast path). */
  respondInline(status: number, rawHead: readonly string[], body: Buffer): void {
    this.#writeHead(status, rawHead);
    this.#bytesDown += body.length;
    this.res.end(body, () => this.#finish(String(status)));
  }

  #writeHead(status: number, rawHead: readonly string[]): void {
    if (this.#state !== 'dispatched' && this.#state !== 'accepted') {
      throw new ProtocolError('unexpected_message', `request ${this.id} is ${this.#state}, not awaiting a response`);
    }
    this.#state = 'responding';
    this.#clearGuard();
    const headers = userResponseHeaders(rawHead, this.app.translateHeaders ? this.app : undefined);
    headers.push('x-relay-request-id', this.id);
    this.res.writeHead(status, headers);
    this.#metrics.timeToFirstByte.observe(this.#labels(), (performance.now() - this.#receivedAt) / 1000);
  }

  /** Ends the request with a relay-made error (or cuts it, if the response already started). */
  reject(error: RelayError, retryAfterSeconds?: number): void {
    if (this.#state === 'done') return;
    if (this.res.headersSent) {
      this.res.destroy(error);
      return;
    }
    sendRelayError(this.req, this.res, error, this.id, retryAfterSeconds);
    this.#finish(String(error.status));
  }

  #onUserClosed(): void {
    if (this.#state === 'done') return;
    if (this.res.writableFinished) return; // finish accounting happens in the pipeline callback
    if (this.#state === 'queued') this.#hooks.withdraw(this);
    else this.#owner?.cancel(this, 'user_gone');
    this.#finish(this.res.headersSent ? String(this.res.statusCode) : CLIENT_CLOSED);
  }

  #finish(code: string): void {
    if (this.#state === 'done') return;
    this.#state = 'done';
    this.#clearGuard();
    const labels = this.#labels();
    this.#metrics.requests.inc({ ...labels, method: this.req.method ?? 'GET', code });
    this.#metrics.requestDuration.observe(labels, (performance.now() - this.#receivedAt) / 1000);
    if (this.#bytesUp > 0) this.#metrics.bytes.inc({ app: this.app.name, direction: 'up' }, this.#bytesUp);
    if (this.#bytesDown > 0) this.#metrics.bytes.inc({ app: this.app.name, direction: 'down' }, this.#bytesDown);
    this.#owner?.release(this);
    this.#hooks.settled(this);
  }

  #labels() {
    return { app: this.app.name, group: this.app.group };
  }

  /** Relay-side bound on a connector that accepted but never answers. */
  #armGuard(): void {
    this.#clearGuard();
    const limitMs = this.app.backendTimeoutMs + CONNECTOR_GRACE_MS;
    this.#guard = setTimeout(() => {
      const error = new RelayError('backend_timeout', `no response from the connector within ${limitMs} ms`);
      if (this.#owner) this.#owner.cancel(this, 'deadline');
      this.reject(error);
    }, limitMs);
  }

  #clearGuard(): void {
    if (this.#guard) clearTimeout(this.#guard);
    this.#guard = undefined;
  }
}
