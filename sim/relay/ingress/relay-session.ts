import type { IncomingMessage } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { bridgeWebSocket, type BridgeOutcome } from '../../common/ws-tunnel-bridge.ts';
import type { RelayError } from '../../protocol/errors.ts';
import { DispatchedWork, type WorkHooks } from '../dispatch/dispatched-work.ts';
import { writeRawRelayError, writeRawResponse } from './error-response.ts';
import { userResponseHeaders } from './forward-headers.ts';
import type { PublishedApp } from './published-app.ts';
import type { WebSocketSettings } from '../relay-config.ts';
import type { RelayMetrics } from '../relay-metrics.ts';
import type { UserHandshake } from './user-handshake.ts';

/** Close code for sessions whose connector died: "service restart", the client should reconnect. */
export const CONNECTOR_LOST_CLOSE = { code: 1012, reason: 'connector lost' } as const;
const KEEPALIVE_PAYLOAD = Buffer.from('relay-keepalive');
/** Largest backend refusal body relayed to the user; a refusal is a short error page. */
const MAX_REFUSAL_BODY = 64 * 1024;

export type SessionOutcome = BridgeOutcome | 'connector_lost' | 'rejected' | 'user_gone';

/**
 * One user WebSocket session: dispatched like a request (but never taking a slot), the user's
 * handshake completed only after the backend accepted, then bridged to the connector's tunnel.
 */
export class RelaySession extends DispatchedWork {
  readonly kind = 'ws';
  readonly hasBody = false;
  readonly #socket: Duplex;
  readonly #head: Buffer;
  readonly #handshake: UserHandshake;
  readonly #settings: WebSocketSettings;
  #ws: WebSocket | undefined;
  #lostWithConnector = false;

  constructor(
    id: string,
    app: PublishedApp,
    req: IncomingMessage,
    user: { socket: Duplex; head: Buffer },
    deps: { metrics: RelayMetrics; hooks: WorkHooks; handshake: UserHandshake; settings: WebSocketSettings },
    signedIn?: string,
  ) {
    super(id, app, req, deps.metrics, deps.hooks, signedIn);
    this.#socket = user.socket;
    this.#head = user.head;
    this.#handshake = deps.handshake;
    this.#settings = deps.settings;
    this.#socket.on('error', () => this.#socket.destroy());
    this.#socket.once('close', () => this.#onUserGone());
  }

  /** The backend accepted: complete the user's handshake and bridge it to the tunnel. */
  override openTunnel(stream: ServerHttp2Stream, rawHead: readonly string[]): void {
    this.beginResponse();
    stream.respond({ ':status': 200 });
    this.#handshake.complete(this.req, this.#socket, this.#head, rawHead).then(
      (ws) => this.#bridge(ws, stream),
      () => {
        stream.close();
        this.#finish('user_gone');
      },
    );
  }

  /** The backend refused the upgrade (e.g. 403): the user gets that status. */
  respond(stream: ServerHttp2Stream, status: number, rawHead: readonly string[]): void {
    this.beginResponse();
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REFUSAL_BODY) chunks.push(chunk);
    });
    stream.once('end', () => {
      stream.respond({ ':status': 200 }, { endStream: true });
      this.#respondRefusal(status, rawHead, Buffer.concat(chunks));
    });
    stream.once('error', () => this.#respondRefusal(502, [], Buffer.alloc(0)));
  }

  respondInline(status: number, rawHead: readonly string[], body: Buffer): void {
    this.beginResponse();
    this.#respondRefusal(status, rawHead, body);
  }

  reject(error: RelayError, retryAfterSeconds?: number): void {
    if (this.state === 'done') return;
    if (this.#ws) {
      // Already bridged: the tunnel's loss closes the session; make sure it does.
      this.#ws.close(CONNECTOR_LOST_CLOSE.code, CONNECTOR_LOST_CLOSE.reason);
      return;
    }
    const extra = retryAfterSeconds === undefined ? [] : ['retry-after', String(retryAfterSeconds)];
    writeRawRelayError(this.#socket, error, this.id, this.req.headers.accept, extra);
    this.#finish(this.#lostWithConnector ? 'connector_lost' : 'rejected');
  }

  protected override countLoss(): void {
    this.#lostWithConnector = true;
  }

  #respondRefusal(status: number, rawHead: readonly string[], body: Buffer): void {
    if (this.state === 'done') return;
    const headers = userResponseHeaders(rawHead, this.app.translateHeaders ? this.app : undefined);
    writeRawResponse(this.#socket, status, [...headers, 'x-relay-request-id', this.id], body);
    this.#finish('rejected');
  }

  #bridge(ws: WebSocket, stream: ServerHttp2Stream): void {
    this.#ws = ws;
    const labels = { app: this.app.name, group: this.app.group };
    const up = this.metrics.wsMessages.labels(this.app.name, 'up');
    const down = this.metrics.wsMessages.labels(this.app.name, 'down');
    let bytesUp = 0;
    let bytesDown = 0;
    this.metrics.wsSessionsActive.inc(labels);
    bridgeWebSocket(ws, stream, {
      maxMessageBytes: this.#settings.maxMessageBytes,
      highWaterBytes: this.#settings.highWaterBytes,
      keepaliveMs: this.#settings.keepaliveMs,
      keepalivePayload: KEEPALIVE_PAYLOAD,
      tunnelLost: CONNECTOR_LOST_CLOSE,
      idleTimeoutMs: this.#settings.idleTimeoutMs,
      maxSessionMs: this.#settings.maxSessionMs,
      onMessage: (direction, bytes) => {
        if (direction === 'in') {
          up.inc();
          bytesUp += bytes;
        } else {
          down.inc();
          bytesDown += bytes;
        }
      },
    }).then((result) => {
      this.metrics.wsSessionsActive.dec(labels);
      this.metrics.bytes.inc({ app: this.app.name, direction: 'up' }, bytesUp);
      this.metrics.bytes.inc({ app: this.app.name, direction: 'down' }, bytesDown);
      this.#finish(result.outcome === 'tunnel_lost' ? 'connector_lost' : result.outcome);
    });
  }

  #onUserGone(): void {
    if (this.#ws || this.state === 'done') return; // once bridged, the bridge reports the end
    if (this.state === 'queued') this.hooks.withdraw(this);
    else this.owner?.cancel(this, 'user_gone');
    this.#finish('user_gone');
  }

  #finish(outcome: SessionOutcome): void {
    if (!this.finishWork()) return;
    this.metrics.wsSessions.inc({ app: this.app.name, group: this.app.group, outcome });
  }
}
