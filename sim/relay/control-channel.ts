import { randomBytes } from 'node:crypto';
import type { ServerHttp2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { WebSocket, RawData } from 'ws';
import type { Logger } from '../common/logger.ts';
import { ProtocolError, RelayError } from '../protocol/errors.ts';
import { decodeInlineResponse } from '../protocol/inline-response.ts';
import {
  PROTOCOL_VERSION,
  decodeConnectorMessage,
  encodeMessage,
  type ConnectorMessage,
  type HelloMessage,
  type RelayMessage,
} from '../protocol/messages.ts';
import type { DispatchTarget } from './group-dispatcher.ts';
import { ReleasedIds } from './released-ids.ts';
import type { DispatchedWork, WorkOwner } from './dispatched-work.ts';
import type { RelayContext } from './relay-context.ts';
import type { Heartbeating } from './heartbeat-monitor.ts';

export type ChannelState = 'handshake' | 'active' | 'draining' | 'closed';

/** The subject CN of the client certificate a data-plane session was opened with. */
function certificateCn(session: ServerHttp2Session): string | undefined {
  const socket = session.socket as Partial<TLSSocket>;
  const cn = socket.getPeerCertificate?.()?.subject?.CN;
  return cn === undefined ? undefined : String(cn);
}

/** WebSocket close code for policy violations (RFC 6455 §7.4.1). */
const CLOSE_PROTOCOL_VIOLATION = 1008;
/** How often a request may be replayed on another connector after its connector died. */
export const MAX_RETRIES = 2;

/** Why a channel ended: the socket closed, heartbeats stopped, the connector broke the protocol, or we shut down. */
export type ChannelEndReason = 'closed' | 'heartbeat' | 'protocol_error' | 'shutdown';

/**
 * Anything a connector sends that cannot be applied (e.g. a response head Node refuses to write)
 * is that connector's protocol violation: it closes its channel, never the relay process.
 */
export function asViolation(err: unknown): ProtocolError {
  return err instanceof ProtocolError ? err : new ProtocolError('malformed_frame', `connector input could not be applied: ${(err as Error).message}`);
}

/**
 * The relay's side of one connector's control channel: handshake, dispatch and accept, liveness.
 * It owns the requests dispatched to that connector until they finish; their ids are honoured on
 * the data plane only for this channel.
 */
export class ControlChannel implements DispatchTarget<DispatchedWork>, WorkOwner, Heartbeating {
  readonly dataToken = randomBytes(18).toString('base64url');
  /** Everything dispatched to this connector and not over: requests and WebSocket sessions. */
  readonly inflight = new Map<string, DispatchedWork>();
  /** Requests this channel held that are over; late messages about them are not violations. */
  readonly released = new ReleasedIds();
  #state: ChannelState = 'handshake';
  /** HTTP requests in `inflight`: the slots in use. Sessions never take a slot. */
  #requestsInFlight = 0;
  #hello: HelloMessage | undefined;
  #lastPong = Date.now();
  #unwatch: (() => void) | undefined;
  /** This connector's HTTP/2 data-plane sessions; they die with the channel. */
  readonly #sessions = new Set<ServerHttp2Session>();
  readonly #ws: WebSocket;
  readonly #ctx: RelayContext;
  #log: Logger;

  /** With mutual TLS, the connector id its certificate proves; hello must name the same. */
  readonly #certifiedId: string | undefined;

  constructor(ws: WebSocket, ctx: RelayContext, certifiedId?: string) {
    this.#ws = ws;
    this.#certifiedId = certifiedId;
    this.#ctx = ctx;
    this.#log = ctx.log;
    ws.on('message', (data, isBinary) => this.#onFrame(data, isBinary));
    ws.on('pong', () => (this.#lastPong = Date.now()));
    ws.on('close', () => this.#onClosed('closed', Date.now()));
    ws.on('error', (err) => this.#log.warn({ err }, 'control channel error'));
  }

  get connectorId(): string {
    return this.#hello?.connectorId ?? 'unregistered';
  }

  get group(): string {
    return this.#hello?.group ?? '';
  }

  /** The connector process behind this channel (its hello's `instance`). */
  get instance(): string | undefined {
    return this.#hello?.instance;
  }

  get slots(): number {
    return this.#hello?.slots ?? 0;
  }

  get state(): ChannelState {
    return this.#state;
  }

  get accepting(): boolean {
    return this.#state === 'active';
  }

  get inflightCount(): number {
    return this.#requestsInFlight;
  }

  get lastPong(): number {
    return this.#lastPong;
  }

  ping(): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.ping();
  }

  declareDead(since: number): void {
    this.#log.warn({ missed: this.#ctx.config.heartbeat.missed }, 'connector missed heartbeats; declaring it dead');
    this.terminate('heartbeat', since);
  }

  assign(work: DispatchedWork): void {
    this.inflight.set(work.id, work);
    if (work.kind === 'http') this.#requestsInFlight++;
    work.dispatchedTo(this);
    this.#send({
      type: 'dispatch',
      id: work.id,
      app: work.app.name,
      method: work.req.method ?? 'GET',
      path: work.req.url ?? '/',
      headers: work.forwardedHeaders,
      hasBody: work.hasBody,
      kind: work.kind,
      deadline: Date.now() + work.app.backendTimeoutMs,
    });
  }

  cancel(work: DispatchedWork, reason: string): void {
    if (this.inflight.has(work.id)) this.#send({ type: 'cancel', id: work.id, reason });
  }

  release(work: DispatchedWork): void {
    if (!this.#forget(work)) return;
    this.released.add(work.id);
    if (work.kind === 'http') this.#ctx.dispatcher(this.group)?.pump();
  }

  #forget(work: DispatchedWork): boolean {
    if (!this.inflight.delete(work.id)) return false;
    if (work.kind === 'http') this.#requestsInFlight--;
    return true;
  }

  /** Answers a protocol violation with an `error` frame, then closes this channel. */
  violation(error: ProtocolError): void {
    this.#ctx.metrics.protocolErrors.inc({ code: error.code });
    this.#log.warn({ code: error.code, detail: error.message }, 'protocol violation; closing control channel');
    if (this.#state === 'closed') return;
    this.#send({ type: 'error', code: error.code, detail: error.message });
    this.#ws.close(CLOSE_PROTOCOL_VIOLATION, error.code);
    this.#onClosed('protocol_error', Date.now());
  }

  /** Closes the channel as if the connector vanished. */
  terminate(reason: ChannelEndReason = 'shutdown', since = Date.now()): void {
    this.#ws.terminate();
    this.#onClosed(reason, since);
  }

  /**
   * Binds a data-plane session to this connector, so that it dies with the channel. With mutual
   * TLS the session's certificate must be this connector's: a data token alone is not enough.
   * Returns false (and binds nothing) when it is not. Checked once per session, not per stream.
   */
  adoptSession(session: ServerHttp2Session): boolean {
    if (this.#sessions.has(session)) return true;
    if (this.#certifiedId !== undefined && certificateCn(session) !== this.#certifiedId) return false;
    if (this.#state === 'closed') {
      session.destroy();
      return true;
    }
    this.#sessions.add(session);
    session.once('close', () => this.#sessions.delete(session));
    return true;
  }

  #send(message: RelayMessage): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.send(encodeMessage(message));
  }

  #onFrame(data: RawData, isBinary: boolean): void {
    try {
      if (isBinary) this.#onInlineResponse(data as Buffer);
      else this.#onMessage(decodeConnectorMessage(data.toString()));
    } catch (err) {
      this.violation(asViolation(err));
    }
  }

  #onMessage(message: ConnectorMessage): void {
    if (this.#state === 'handshake' && message.type !== 'hello') {
      throw new ProtocolError('unexpected_message', `expected hello first, got ${message.type}`);
    }
    if ('id' in message && !this.inflight.has(message.id) && this.released.has(message.id)) {
      return; // a late accept/fail/reject for a request that already ended; see ReleasedIds
    }
    switch (message.type) {
      case 'hello':
        return this.#onHello(message);
      case 'accept':
        return this.#owned(message.id).accepted();
      case 'reject':
        return this.#onReject(this.#owned(message.id));
      case 'fail':
        return this.#owned(message.id).reject(new RelayError(message.code, message.detail));
      case 'drain':
        return this.#onDrain();
    }
  }

  /** Binary frames carry whole small responses (see inline-response.ts). */
  #onInlineResponse(frame: Buffer): void {
    if (this.#state === 'handshake') throw new ProtocolError('unexpected_message', 'expected hello first, got a binary frame');
    const { head, body } = decodeInlineResponse(frame);
    if (!this.inflight.has(head.id) && this.released.has(head.id)) return;
    this.#owned(head.id).respondInline(head.status, head.headers, body);
  }

  #onHello(hello: HelloMessage): void {
    if (this.#state !== 'handshake') throw new ProtocolError('unexpected_message', 'hello sent twice');
    if (hello.v !== PROTOCOL_VERSION) {
      throw new ProtocolError('unsupported_version', `protocol v${hello.v} is not supported; this relay speaks v${PROTOCOL_VERSION}`);
    }
    if (this.#certifiedId !== undefined && hello.connectorId !== this.#certifiedId) {
      throw new ProtocolError('unauthorized', `hello names connector ${hello.connectorId}, but its certificate is for ${this.#certifiedId}`);
    }
    const dispatcher = this.#ctx.dispatcher(hello.group);
    if (!dispatcher) throw new ProtocolError('unexpected_message', `unknown connector group "${hello.group}"`);
    const holder = this.#ctx.channels.instanceOf(hello.connectorId);
    if (holder !== undefined && holder !== hello.instance) {
      // Another process claims a connector id that is connected: an impostor (or a twin started
      // by mistake). It gets no traffic; the real connector keeps its channels.
      throw new ProtocolError('unauthorized', `connector ${hello.connectorId} is already connected from another process; a second one is refused while that one is connected`);
    }
    this.#hello = hello;
    this.#state = 'active';
    this.#log = this.#ctx.log.child({ connector: hello.connectorId, group: hello.group });
    this.#ctx.channels.register(this);
    this.#send({
      type: 'welcome',
      v: PROTOCOL_VERSION,
      relayId: this.#ctx.config.id,
      dataToken: this.dataToken,
      heartbeat: this.#ctx.config.heartbeat,
      apps: this.#ctx.appsOfGroup(hello.group),
      websocket: {
        maxMessageBytes: this.#ctx.config.websocket.maxMessageBytes,
        keepaliveMs: this.#ctx.config.websocket.keepaliveMs,
        highWaterBytes: this.#ctx.config.websocket.highWaterBytes,
      },
    });
    this.#lastPong = Date.now();
    this.#unwatch = this.#ctx.heartbeats.watch(this);
    dispatcher.addConnector(this);
    this.#log.info({ slots: hello.slots }, 'connector registered');
    this.#ctx.report('connector-registered', `connector:${hello.connectorId}`, `on ${this.#ctx.config.id}`);
  }

  /** A request of this connector, or a violation: ids are honoured only for the connector holding them. */
  #owned(id: string): DispatchedWork {
    const request = this.inflight.get(id);
    if (request) return request;
    const elsewhere = this.#ctx.requests.get(id);
    if (elsewhere) throw new ProtocolError('not_your_request', `request ${id} is not dispatched to ${this.connectorId}`);
    throw new ProtocolError('unknown_request', `no live request ${id}`);
  }

  #onReject(request: DispatchedWork): void {
    this.#forget(request);
    this.released.add(request.id);
    request.requeued();
    this.#ctx.dispatcher(this.group)?.requeue(request);
  }

  #onDrain(): void {
    if (this.#state !== 'active') return;
    this.#state = 'draining';
    this.#log.info({ inflight: this.inflight.size }, 'connector draining');
  }

  /**
   * The connector is gone (DESIGN 5): work it had not accepted goes back to the head of the queue;
   * accepted work that is safe to replay is retried on another connector (at most MAX_RETRIES
   * times); anything else fails with 502 connector_lost, and its WebSocket sessions close with 1012.
   * `since` is the last sign of life (last pong, or the close itself), for the detection time.
   */
  #onClosed(reason: ChannelEndReason, since: number): void {
    if (this.#state === 'closed') return;
    const previous = this.#state;
    this.#state = 'closed';
    this.#unwatch?.();
    for (const session of this.#sessions) session.destroy();
    if (previous === 'handshake') return;
    this.#ctx.channels.unregister(this);
    const dispatcher = this.#ctx.dispatcher(this.group);
    dispatcher?.removeConnector(this);
    const orphaned = [...this.inflight.values()];
    this.inflight.clear();
    this.#requestsInFlight = 0;
    // A drained connector may close with dispatches that crossed its drain on the wire and were
    // never accepted: they go back to the queue untouched, so that is still a clean exit.
    const graceful = previous === 'draining' && orphaned.every((work) => work.state === 'dispatched');
    if (!graceful && reason !== 'shutdown') {
      const detectionMs = Math.max(0, Date.now() - since);
      this.#ctx.metrics.failovers.inc({ group: this.group, reason });
      this.#ctx.metrics.failoverDetection.observe({ group: this.group }, detectionMs / 1000);
      this.#ctx.report('connector-dead', `connector:${this.connectorId}`, `${reason}; detected ${detectionMs} ms after its last sign of life, by ${this.#ctx.config.id}`);
    } else {
      this.#ctx.report('connector-left', `connector:${this.connectorId}`, `${reason}${graceful ? ' after draining' : ''}`);
    }
    // Requeued at the head in reverse, so they keep their original order in front of newer work.
    for (const work of orphaned.reverse()) {
      if (work.state === 'dispatched') {
        work.requeued();
        dispatcher?.requeue(work);
      } else if (work.replayable && work.retries < MAX_RETRIES) {
        work.retries++;
        this.#ctx.metrics.retries.inc({ group: this.group, reason: 'connector_lost' });
        work.requeued();
        dispatcher?.requeue(work);
      } else {
        work.reject(new RelayError('connector_lost', `connector ${this.connectorId} was lost mid-request`));
      }
    }
    this.#log.info({ reason, orphaned: orphaned.length, graceful }, 'connector unregistered');
  }
}
