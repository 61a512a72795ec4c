import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { timingSafeEqual } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { closeServer, listen } from '../../common/listen.ts';
import { guardRequests, guardUpgrades } from '../../common/request-guard.ts';
import { CONTROL_PATH } from '../../protocol/data-plane-paths.ts';
import { ConnectorCertificates, type ConnectorIdentity } from './connector-certificates.ts';
import { ControlChannel } from './control-channel.ts';
import { handleDataPlaneStream } from './data-plane.ts';
import type { RelayConfig } from '../relay-config.ts';
import type { ChannelDeps } from './channel-deps.ts';
import { UnauthenticatedSockets } from './unauthenticated-sockets.ts';
import { DATA_HEADERS } from '../../protocol/data-plane-paths.ts';

/** Per-stream and per-connection HTTP/2 flow-control windows: big enough for line-rate loopback bulk
 *  transfer, small enough that a stalled stream parks at most this much in relay memory. */
export const DATA_PLANE_STREAM_WINDOW = 1 << 20;
export const DATA_PLANE_SESSION_WINDOW = 16 << 20;
/** Control frames are small JSON; anything bigger is a misbehaving connector. */
const MAX_CONTROL_FRAME = 1 << 20;
/** "PRI * HTTP/2.0" opens every prior-knowledge HTTP/2 connection. */
const H2_PREFACE_START = Buffer.from('PRI');

/** What the endpoint uses of the relay: what its control channels need, and its own config slice. */
export interface EndpointDeps extends ChannelDeps<ControlChannel> {
  readonly config: Pick<RelayConfig, 'id' | 'heartbeat' | 'websocket' | 'failover' | 'host' | 'ports' | 'tls' | 'connectorToken' | 'connectorEndpoint'>;
}

/**
 * The relay's connector endpoint (:8081): one port carrying both the control WebSocket (HTTP/1.1
 * upgrade) and the HTTP/2 data plane. In plain mode each accepted socket is routed by its first
 * bytes and the control channel wants the bearer token; with TLS, ALPN routes it and a client
 * certificate from the relay CA is the only credential (registration itself excepted).
 */
export class ConnectorEndpoint {
  readonly #ctx: EndpointDeps;
  readonly #net: net.Server;
  readonly #h1: http.Server;
  readonly #certificates: ConnectorCertificates | undefined;
  /** The connector each verified TLS socket belongs to, judged once right after its handshake. */
  readonly #identities = new WeakMap<net.Socket, ConnectorIdentity>();
  readonly #h2: http2.Http2Server;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CONTROL_FRAME });
  readonly #sockets = new Set<net.Socket>();
  readonly #expectedAuth: Buffer;
  readonly #strangers: UnauthenticatedSockets;
  /** HTTP/2 sessions that showed a valid data token: no longer on probation. */
  readonly #vouched = new WeakSet<http2.Http2Session>();

  constructor(ctx: EndpointDeps) {
    this.#ctx = ctx;
    this.#h1 = http.createServer(guardRequests(ctx.log, (req, res) => this.#onRequest(req, res)));
    this.#expectedAuth = Buffer.from(`Bearer ${ctx.config.connectorToken}`);
    this.#strangers = new UnauthenticatedSockets(ctx.config.connectorEndpoint, (reason) => ctx.metrics.endpointRefused.inc({ reason }));
    this.#h2 = http2.createServer({ settings: { initialWindowSize: DATA_PLANE_STREAM_WINDOW } });
    this.#h2.on('session', (session) => {
      session.on('error', (err) => ctx.log.debug({ err }, 'data-plane session error'));
      session.setLocalWindowSize(DATA_PLANE_SESSION_WINDOW);
    });
    this.#h2.on('stream', (stream, headers) => {
      stream.on('error', (err) => ctx.log.debug({ err }, 'data-plane stream error'));
      this.#vouchForSession(stream.session!, headers);
      handleDataPlaneStream(ctx, stream, headers);
    });
    this.#h1.on(
      'upgrade',
      guardUpgrades(ctx.log, (req, socket, head) => this.#onUpgrade(req, socket as net.Socket, head)),
    );
    const tlsSettings = ctx.config.tls;
    if (tlsSettings) {
      this.#certificates = new ConnectorCertificates(tlsSettings, ctx.metrics, ctx.log, (serials) => this.#cutRevoked(serials));
      this.#net = tls.createServer({
        key: tlsSettings.server.keyPem,
        cert: tlsSettings.server.certificatePem,
        ca: [tlsSettings.ca.certificatePem],
        // Asked for but not demanded by OpenSSL: a connector registering has no certificate yet.
        // `#routeSecure` enforces it for everything else, right after the handshake.
        requestCert: true,
        rejectUnauthorized: false,
        ALPNProtocols: ['h2', 'http/1.1'],
        handshakeTimeout: ctx.config.connectorEndpoint.handshakeTimeoutMs,
      });
      this.#net.on('secureConnection', (socket: tls.TLSSocket) => this.#routeSecure(socket));
      this.#net.on('tlsClientError', (err: Error) => ctx.log.debug({ err }, 'connector TLS handshake failed'));
    } else {
      this.#net = net.createServer((socket) => this.#route(socket));
    }
    // Every connection, TLS or not, starts on probation (before any TLS handshake, too).
    this.#net.prependListener('connection', (socket: net.Socket) => this.#strangers.admit(socket));
  }

  /**
   * The first stream with a known data token takes its HTTP/2 session off probation; checked once
   * per session, not on every stream.
   */
  #vouchForSession(session: http2.Http2Session, headers: http2.IncomingHttpHeaders): void {
    if (this.#vouched.has(session)) return;
    const token = headers[DATA_HEADERS.token];
    if (typeof token !== 'string' || !this.#ctx.channels.byToken(token)) return;
    this.#vouched.add(session);
    this.#strangers.authenticated(session.socket);
  }

  async start(): Promise<number> {
    await this.#certificates?.start();
    return listen(this.#net, this.#ctx.config.ports.connector, this.#ctx.config.host);
  }

  async close(): Promise<void> {
    this.#strangers.close();
    for (const socket of this.#sockets) socket.destroy();
    await closeServer(this.#net);
  }

  #track(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
  }

  /**
   * With TLS: a presented certificate must verify against the CA and not be revoked, or the
   * connection is cut before any byte of HTTP (what Node itself does with rejectUnauthorized).
   * Without one, only the registration API is reachable.
   */
  #routeSecure(socket: tls.TLSSocket): void {
    if (socket.destroyed) return;
    this.#track(socket);
    const verdict = this.#certificates!.judge(socket);
    if ('refused' in verdict) {
      this.#certificates!.countRefusal(verdict.refused, verdict.detail);
      return void socket.destroy();
    }
    if (verdict.identity) {
      this.#identities.set(socket, verdict.identity);
      this.#strangers.authenticated(socket);
    }
    if (socket.alpnProtocol === 'h2') {
      if (!verdict.identity) {
        this.#certificates!.countRefusal('no_certificate', 'HTTP/2 data plane without a client certificate');
        return void socket.destroy();
      }
      return void this.#h2.emit('connection', socket);
    }
    this.#h1.emit('connection', socket);
  }

  /** Revocation takes effect on live connections too, not only on the next handshake. */
  #cutRevoked(serials: ReadonlySet<string>): void {
    for (const socket of this.#sockets) {
      if (socket instanceof tls.TLSSocket && serials.has(socket.getPeerCertificate()?.serialNumber)) socket.destroy();
    }
  }

  #onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.#certificates?.serve(req, res, this.#identities.get(req.socket))) return;
    res
      .writeHead(404, { 'content-type': 'text/plain' })
      .end(this.#certificates ? 'no such endpoint\n' : 'no such endpoint (registration needs topology tls: on)\n');
  }

  #route(socket: net.Socket): void {
    if (socket.destroyed) return; // refused on arrival (too many strangers)
    this.#track(socket);
    socket.once('data', (first: Buffer) => {
      socket.pause();
      if (first.subarray(0, 3).equals(H2_PREFACE_START)) {
        socket.unshift(first);
        this.#h2.emit('connection', socket);
      } else {
        // The HTTP/1 parser reads from the socket's handle, so replay the first bytes as an event.
        this.#h1.emit('connection', socket);
        socket.emit('data', first);
        socket.resume();
      }
    });
  }

  #onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== CONTROL_PATH) return rejectUpgrade(socket, 404, 'no such endpoint');
    let identity: ConnectorIdentity | undefined;
    if (this.#certificates) {
      identity = this.#identities.get(socket);
      if (!identity) {
        this.#certificates.countRefusal('no_certificate', 'control channel without a client certificate');
        return rejectUpgrade(socket, 401, 'a registered connector certificate is required; register first (POST /connector/v1/register)');
      }
    } else {
      const auth = Buffer.from(req.headers.authorization ?? '');
      if (auth.length !== this.#expectedAuth.length || !timingSafeEqual(auth, this.#expectedAuth)) {
        this.#ctx.metrics.protocolErrors.inc({ code: 'unauthorized' });
        return rejectUpgrade(socket, 401, 'connector token missing or wrong');
      }
      this.#strangers.authenticated(socket);
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => new ControlChannel(ws, this.#ctx, identity?.connectorId));
  }
}

function rejectUpgrade(socket: net.Socket, status: number, reason: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${reason.length + 1}\r\n\r\n${reason}\n`,
  );
}
