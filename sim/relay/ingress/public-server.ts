import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { randomUUID } from 'node:crypto';
import { closeServer, listen } from '../../common/listen.ts';
import { RelayError } from '../../protocol/errors.ts';
import { sendRelayError, writeRawRelayError } from './error-response.ts';
import { checkRequestHead, HEADERS_TIMEOUT_MS, onClientError, TIMEOUT_CHECK_INTERVAL_MS } from './request-head.ts';
import { guardRequests, guardUpgrades } from '../../common/request-guard.ts';
import { AppDirectory } from './published-app.ts';
import type { RelayConfig } from '../relay-config.ts';
import type { RelayMetrics } from '../relay-metrics.ts';
import type { Logger } from '../../common/logger.ts';
import type { WorkRegistry } from '../dispatch/work-registry.ts';
import type { DispatchedWork } from '../dispatch/dispatched-work.ts';
import { RelayRequest } from './relay-request.ts';
import { RelaySession } from './relay-session.ts';
import { UserHandshake, validateUpgrade } from './user-handshake.ts';
import { Throttle } from './throttle.ts';
import { preAuthenticate } from '../auth/pre-auth.ts';
import { SessionCookies } from '../auth/session-cookie.ts';
import { serveTokenEndpoint } from '../auth/token-endpoint.ts';
import { TokenService } from '../auth/token-service.ts';
import { serviceKeyObjects } from '../auth/service-keys.ts';
import type { Duplex } from 'node:stream';
import type { PublishedApp } from './published-app.ts';

/** What the public listener uses of the relay: its slice of the config, metrics, the work registry, the dispatchers. */
export interface IngressDeps {
  readonly config: Pick<
    RelayConfig,
    | 'id'
    | 'host'
    | 'ports'
    | 'tls'
    | 'apps'
    | 'domain'
    | 'externalPort'
    | 'tokenTtlSeconds'
    | 'websocket'
    | 'limits'
    | 'maxRequestHeaders'
    | 'requests'
    | 'users'
    | 'instances'
    | 'serviceKeys'
  >;
  readonly log: Logger;
  readonly metrics: RelayMetrics;
  readonly work: WorkRegistry;
  /** The queue of a group: work is submitted to it. */
  dispatcher(group: string): { submit(work: DispatchedWork): void } | undefined;
}

/** The user-facing listener (:8080): routes by Host to a published app and queues on its group. */
export class PublicServer {
  readonly #ctx: IngressDeps;
  #apps: AppDirectory | undefined;
  readonly #server: http.Server | https.Server;
  readonly #handshake: UserHandshake;
  readonly #throttle: Throttle;
  readonly #cookies: SessionCookies;
  /** Open and pending WebSocket sessions per client IP, for `maxUpgradesPerIp`. */
  readonly #upgradesByIp = new Map<string, number>();
  #tokens: TokenService | undefined;
  /** The cookie and token keys every relay instance shares, when the sim handed them out. */
  readonly #keys: ReturnType<typeof serviceKeyObjects> | undefined;

  constructor(ctx: IngressDeps) {
    this.#ctx = ctx;
    this.#keys = ctx.config.serviceKeys && serviceKeyObjects(ctx.config.serviceKeys);
    const options = {
      requestTimeout: 0,
      headersTimeout: HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
      keepAliveTimeout: 65_000,
      requireHostHeader: false, // checked in checkRequestHead, to answer in the relay's format
    };
    const answer500 = (req: http.IncomingMessage, res: http.ServerResponse, err: Error) =>
      sendRelayError(req, res, new RelayError('internal_error', `the relay failed on this request: ${err.message}`), 'none');
    const onRequest = guardRequests(ctx.log, (req, res) => this.#onRequest(req, res), answer500);
    const tls = ctx.config.tls;
    this.#server = tls
      ? https.createServer({ ...options, key: tls.server.keyPem, cert: tls.server.certificatePem }, onRequest)
      : http.createServer(options, onRequest);
    // Secure cookies only where the browser would send them back: over HTTPS.
    this.#cookies = new SessionCookies(Boolean(tls), this.#keys?.cookieKey);
    this.#server.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => onClientError(err, socket));
    this.#server.on(
      'upgrade',
      guardUpgrades(ctx.log, (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.#onUpgrade(req, socket, head)),
    );
    this.#handshake = new UserHandshake(ctx.config.websocket);
    this.#throttle = new Throttle(ctx.config.limits, ctx.config.instances);
  }

  get apps(): AppDirectory {
    if (!this.#apps) throw new Error('PublicServer.start() has not completed');
    return this.#apps;
  }

  /** Binds, then publishes the apps: their external URLs need the bound port when port 0 was asked. */
  async start(): Promise<number> {
    const { config } = this.#ctx;
    const keys = this.#keys;
    this.#tokens = await TokenService.create(keys?.issuer ?? `relay-sim:${config.id}`, config.tokenTtlSeconds, keys?.signing);
    const port = await listen(this.#server, config.ports.public, config.host);
    this.#apps = new AppDirectory(config.apps, config.domain, config.externalPort ?? port, config.tls ? 'https' : 'http');
    return port;
  }

  async close(): Promise<void> {
    this.#server.closeIdleConnections();
    await closeServer(this.#server);
  }

  destroy(): void {
    this.#server.closeAllConnections();
  }

  /** Returns the pre-authentication promise, if any, so the top-level guard sees its failures too. */
  #onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> | void {
    const requestId = randomUUID();
    const malformed = checkRequestHead(req, this.#ctx.config.maxRequestHeaders);
    if (!malformed && req.url?.startsWith('/_relay/') && this.#serveReserved(req, res)) return;
    const routed = malformed ?? this.#route(req);
    if (routed instanceof RelayError) {
      req.resume();
      sendRelayError(req, res, routed, requestId);
      this.#countUnrouted(req, routed);
      return;
    }
    const throttled = this.#throttle.check(routed.name);
    if (throttled) {
      req.resume();
      this.#ctx.metrics.throttled.inc({ app: routed.name });
      this.#ctx.metrics.requests.inc({ app: routed.name, group: routed.group, method: req.method ?? 'GET', code: '429' });
      sendRelayError(req, res, throttled.error, requestId, throttled.retryAfterSeconds);
      return;
    }
    if (routed.preAuth === 'passthrough')
      return this.#submit(new RelayRequest(requestId, routed, req, res, this.#ctx.metrics, this.#ctx.work, this.#ctx.config.requests));
    return preAuthenticate(req, routed, this.#tokens!, this.#cookies).then((auth) => {
      if (res.destroyed) return; // the user left while the token was being checked
      if (auth.kind === 'allowed')
        return this.#submit(new RelayRequest(requestId, routed, req, res, this.#ctx.metrics, this.#ctx.work, this.#ctx.config.requests, auth));
      req.resume();
      this.#ctx.metrics.requests.inc({
        app: routed.name,
        group: routed.group,
        method: req.method ?? 'GET',
        code: auth.redirectTo ? '302' : String(auth.error.status),
      });
      if (auth.redirectTo) {
        res.writeHead(302, { location: auth.redirectTo, 'x-relay-error': auth.error.code, 'x-relay-request-id': requestId, 'content-length': 0 }).end();
      } else {
        sendRelayError(req, res, auth.error, requestId);
      }
    });
  }

  /** `/_relay/...` belongs to the relay itself on every host: health and the token service. */
  #serveReserved(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (req.url === '/_relay/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('ok\n');
      return true;
    }
    return serveTokenEndpoint(
      req,
      res,
      this.#tokens!,
      this.#ctx.config.users,
      this.#ctx.config.apps.map((a) => a.name),
    );
  }

  /** A WebSocket upgrade: checked here, then dispatched like a request (kind ws, no slot). */
  #onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> | void {
    // Node hands the raw socket over with no error listener; a reset must never crash the relay.
    socket.on('error', () => socket.destroy());
    const requestId = randomUUID();
    const routed = checkRequestHead(req, this.#ctx.config.maxRequestHeaders) ?? validateUpgrade(req) ?? this.#route(req);
    if (routed instanceof RelayError) {
      writeRawRelayError(socket, routed, requestId, req.headers.accept);
      this.#countUnrouted(req, routed);
      return;
    }
    const throttled = this.#throttle.check(routed.name) ?? this.#holdUpgradeSlot(req, socket);
    if (throttled) {
      this.#ctx.metrics.throttled.inc({ app: routed.name });
      writeRawRelayError(socket, throttled.error, requestId, req.headers.accept, ['retry-after', String(throttled.retryAfterSeconds)]);
      return;
    }
    const deps = { metrics: this.#ctx.metrics, hooks: this.#ctx.work, handshake: this.#handshake, settings: this.#ctx.config.websocket };
    if (routed.preAuth === 'passthrough') return this.#submit(new RelaySession(requestId, routed, req, { socket, head }, deps));
    // A session cookie is what a browser's WebSocket carries; no redirect is possible on an upgrade.
    return preAuthenticate(req, routed, this.#tokens!, this.#cookies).then((auth) => {
      if (socket.destroyed) return; // the user left while the cookie was being checked
      if (auth.kind === 'allowed') return this.#submit(new RelaySession(requestId, routed, req, { socket, head }, deps, auth.user));
      writeRawRelayError(socket, auth.error, requestId, req.headers.accept);
    });
  }

  /**
   * Counts the upgrade against its client IP until its socket closes; over the cap it is refused
   * (429), so one client cannot exhaust the relay's sockets.
   */
  #holdUpgradeSlot(req: http.IncomingMessage, socket: Duplex): { error: RelayError; retryAfterSeconds: number } | undefined {
    const cap = this.#ctx.config.websocket.maxUpgradesPerIp;
    if (cap === 0) return undefined;
    const ip = req.socket.remoteAddress ?? 'unknown';
    const held = this.#upgradesByIp.get(ip) ?? 0;
    if (held >= cap) return { error: new RelayError('throttled', `client ${ip} already holds ${held} WebSocket sessions (cap ${cap})`), retryAfterSeconds: 1 };
    this.#upgradesByIp.set(ip, held + 1);
    socket.once('close', () => {
      const left = (this.#upgradesByIp.get(ip) ?? 1) - 1;
      if (left > 0) this.#upgradesByIp.set(ip, left);
      else this.#upgradesByIp.delete(ip);
    });
    return undefined;
  }

  /** The app a request is for, or the error that stops it before any dispatch. */
  #route(req: http.IncomingMessage): PublishedApp | RelayError {
    const app = this.apps.resolve(req.headers.host);
    return app ?? new RelayError('app_not_found', `no published app answers to host "${req.headers.host ?? ''}"`);
  }

  #submit(work: DispatchedWork): void {
    const dispatcher = this.#ctx.dispatcher(work.app.group);
    if (!dispatcher) throw new Error(`app ${work.app.name} names unknown group ${work.app.group}; topology validation should have caught it`);
    this.#ctx.work.register(work);
    dispatcher.submit(work);
  }

  /** Errors before an app or group is known: counted with `app`/`group` "none". */
  #countUnrouted(req: http.IncomingMessage, error: RelayError): void {
    this.#ctx.metrics.requests.inc({ app: 'none', group: 'none', method: req.method ?? 'GET', code: String(error.status) });
  }
}
