import { sendPerTurn } from '../../common/send-per-turn.ts';
import { randomBytes } from 'node:crypto';
import type { ServerHttp2Session } from 'node:http2';
import type { WebSocket, RawData } from 'ws';
import type { Logger } from '../../common/logger.ts';
import { asViolation, ProtocolError, RelayError } from '../../protocol/errors.ts';
import { failOver } from '../dispatch/failover.ts';
import { decodeInlineResponse } from '../../protocol/inline-response.ts';
import { decodeConnectorMessage, encodeMessage, type ConnectorMessage, type HelloMessage, type RelayMessage } from '../../protocol/messages.ts';
import { checkHello, welcome } from './channel-hello.ts';
import { ChannelSessions } from './channel-sessions.ts';
import type { DispatchTarget } from '../dispatch/group-dispatcher.ts';
import { HeldWork } from './held-work.ts';
import type { DispatchedWork, WorkOwner } from '../dispatch/dispatched-work.ts';
import { ChannelLiveness } from './channel-liveness.ts';
import type { ChannelDeps } from './channel-deps.ts';

export type ChannelState = 'handshake' | 'active' | 'draining' | 'closed';

/** WebSocket close code for policy violations (RFC 6455 §7.4.1). */
const CLOSE_PROTOCOL_VIOLATION = 1008;

/** Why a channel ended: the socket closed, heartbeats stopped, the connector broke the protocol, or we shut down. */
export type ChannelEndReason = 'closed' | 'heartbeat' | 'protocol_error' | 'shutdown';

/**
 * The relay's side of one connector's control channel: handshake, dispatch and accept, liveness.
 * It owns the requests dispatched to that connector until they finish; their ids are honoured on
 * the data plane only for this channel.
 */
export class ControlChannel implements DispatchTarget<DispatchedWork>, WorkOwner {
  readonly dataToken = randomBytes(18).toString('base64url');
  readonly #held = new HeldWork();
  /** Everything dispatched to this connector and not over: requests and WebSocket sessions. */
  readonly inflight = this.#held.inflight;
  readonly released = this.#held.released;
  #state: ChannelState = 'handshake';
  #hello: HelloMessage | undefined;
  /** The group the relay says this connector serves (its assignment; a pull may move it). */
  #group = '';
  readonly #liveness: ChannelLiveness;
  #unwatch: (() => void) | undefined;
  /** This connector's HTTP/2 data-plane sessions; they die with the channel. */
  readonly #sessions: ChannelSessions;
  readonly #ws: WebSocket;
  readonly #ctx: ChannelDeps<ControlChannel>;
  #log: Logger;
  /** With mutual TLS, the connector id its certificate proves; hello must name the same. */
  readonly #certifiedId: string | undefined;

  constructor(ws: WebSocket, ctx: ChannelDeps<ControlChannel>, certifiedId?: string) {
    this.#ws = ws;
    this.#certifiedId = certifiedId;
    this.#sessions = new ChannelSessions(certifiedId);
    this.#ctx = ctx;
    this.#log = ctx.log;
    ws.on('message', (data, isBinary) => this.#onFrame(data, isBinary));
    this.#liveness = new ChannelLiveness(ws, (since) => {
      this.#log.warn({ missed: ctx.config.heartbeat.missed }, 'connector missed heartbeats; declaring it dead');
      this.terminate('heartbeat', since);
    });
    ws.on('close', () => this.#onClosed('closed', Date.now()));
    ws.on('error', (err) => this.#log.warn({ err }, 'control channel error'));
  }

  get connectorId(): string {
    return this.#hello?.connectorId ?? 'unregistered';
  }

  get group(): string {
    return this.#group;
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
    return this.#held.requests;
  }

  /** The connector has no slot left for this relay (see HeldWork). */
  get full(): boolean {
    return this.#held.full;
  }

  assign(work: DispatchedWork): void {
    this.#held.hold(work);
    work.dispatchedTo(this);
    this.#send(work.dispatchMessage());
  }

  cancel(work: DispatchedWork, reason: string): void {
    if (this.inflight.has(work.id)) this.#send({ type: 'cancel', id: work.id, reason });
  }

  release(work: DispatchedWork): void {
    if (this.#held.release(work) && work.kind === 'http') this.#ctx.dispatcher(this.group)?.pump();
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

  /** Binds a data-plane session to this connector (see ChannelSessions); false if its certificate is not ours. */
  adoptSession(session: ServerHttp2Session): boolean {
    return this.#sessions.adopt(session, this.#state === 'closed');
  }

  #send(message: RelayMessage): void {
    if (this.#ws.readyState === this.#ws.OPEN) sendPerTurn(this.#ws, encodeMessage(message));
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
    switch (message.type) {
      case 'hello':
        return this.#onHello(message);
      case 'accept':
        return this.#owned(message.id)?.accepted();
      case 'reject': {
        const work = this.#owned(message.id);
        return work && this.#onReject(work, message.reason);
      }
      case 'ready':
        this.#held.setFull(false);
        return this.#ctx.dispatcher(this.group)?.pump();
      case 'fail':
        return this.#owned(message.id)?.reject(new RelayError(message.code, message.detail));
      case 'pull':
        return this.#onPull();
      case 'drain':
        if (this.#state !== 'active') return;
        this.#state = 'draining';
        return this.#log.info({ inflight: this.inflight.size }, 'connector draining');
    }
  }

  /** Binary frames carry whole small responses (see inline-response.ts). */
  #onInlineResponse(frame: Buffer): void {
    if (this.#state === 'handshake') throw new ProtocolError('unexpected_message', 'expected hello first, got a binary frame');
    const { head, body } = decodeInlineResponse(frame);
    this.#owned(head.id)?.respondInline(head.status, head.headers, body);
  }

  #onHello(hello: HelloMessage): void {
    if (this.#state !== 'handshake') throw new ProtocolError('unexpected_message', 'hello sent twice');
    // The service's assignment decides the group; a connector it has none for keeps the one it names.
    const group = this.#ctx.assignedGroup(hello.connectorId) ?? hello.group;
    const dispatcher = this.#ctx.dispatcher(group);
    const connectedInstance = this.#ctx.channels.instanceOf(hello.connectorId);
    checkHello(hello, group, { certifiedId: this.#certifiedId, groupExists: dispatcher !== undefined, connectedInstance });
    this.#hello = hello;
    this.#group = group;
    this.#state = 'active';
    this.#log = this.#ctx.log.child({ connector: hello.connectorId });
    this.#ctx.channels.register(this);
    this.#send(welcome(this.#ctx.config, this.dataToken, group, this.#ctx.appsOfGroup(group)));
    this.#liveness.restart();
    this.#unwatch = this.#ctx.heartbeats.watch(this.#liveness);
    dispatcher!.addConnector(this);
    this.#log.info({ slots: hello.slots, group }, 'connector registered');
    this.#ctx.report('connector-registered', `connector:${hello.connectorId}`, `on ${this.#ctx.config.id}`);
  }

  #owned(id: string): DispatchedWork | undefined {
    return this.#ctx.work.owned(id, this);
  }

  /** Handed back unstarted: draining, or `busy` (the connector is full across its relays). */
  #onReject(request: DispatchedWork, reason: string): void {
    if (reason === 'busy') this.#held.setFull(true);
    this.#held.release(request);
    request.requeued();
    this.#ctx.dispatcher(this.group)?.requeue(request);
  }

  /**
   * A configuration pull (every `configRefreshMs`): the answer names the group the service assigns
   * now. An administrator's move takes effect here, as on App Proxy: no new work of the old group,
   * while the requests in flight finish.
   */
  #onPull(): void {
    const group = this.#ctx.assignedGroup(this.connectorId) ?? this.#group;
    if (group !== this.#group && this.#state === 'active' && this.#ctx.dispatcher(group)) {
      const detail = `from ${this.#group} to ${group} at its configuration pull, by ${this.#ctx.config.id}; ${this.#held.requests} requests in flight finish`;
      this.#ctx.dispatcher(this.#group)?.removeConnector(this);
      this.#group = group;
      this.#ctx.dispatcher(group)!.addConnector(this);
      this.#ctx.report('connector-moved', `connector:${this.connectorId}`, detail);
    }
    this.#send({ type: 'config', group: this.#group, apps: this.#ctx.appsOfGroup(this.#group) });
  }

  /** The connector is gone: failover.ts settles its work; `since`, its last sign of life (last pong, or the close), dates the detection. */
  #onClosed(reason: ChannelEndReason, since: number): void {
    if (this.#state === 'closed') return;
    const previous = this.#state;
    this.#state = 'closed';
    this.#unwatch?.();
    this.#sessions.destroyAll();
    if (previous === 'handshake') return;
    this.#ctx.channels.unregister(this);
    const dispatcher = this.#ctx.dispatcher(this.group);
    dispatcher?.removeConnector(this);
    const orphaned = this.#held.takeAll();
    // Dispatches that crossed a drain on the wire were never accepted: requeued untouched, still a clean exit.
    const graceful = previous === 'draining' && orphaned.every((work) => work.state === 'dispatched');
    failOver(this.#ctx, { connectorId: this.connectorId, group: this.group, reason, graceful, since }, orphaned, (work) => dispatcher?.requeue(work));
    this.#log.info({ reason, orphaned: orphaned.length, graceful }, 'connector unregistered');
  }
}
