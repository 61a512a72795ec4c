import http from 'node:http';
import type net from 'node:net';
import { randomUUID } from 'node:crypto';
import { closeServer, listen } from '../common/listen.ts';
import { RelayError } from '../protocol/errors.ts';
import { renderRelayError, sendRelayError } from './error-response.ts';
import { countHeaders } from './forward-headers.ts';
import { AppDirectory } from './published-app.ts';
import type { RelayContext } from './relay-context.ts';
import { RelayRequest } from './relay-request.ts';

/** Bounds a client's request head: a slowloris sender is cut after this long. */
const HEADERS_TIMEOUT_MS = 20_000;

/** The user-facing listener (:8080): routes by Host to a published app and queues on its group. */
export class PublicServer {
  readonly #ctx: RelayContext;
  #apps: AppDirectory | undefined;
  readonly #server: http.Server;
  readonly #hooks;

  constructor(ctx: RelayContext) {
    this.#ctx = ctx;
    this.#server = http.createServer(
      { requestTimeout: 0, headersTimeout: HEADERS_TIMEOUT_MS, keepAliveTimeout: 65_000 },
      (req, res) => this.#onRequest(req, res),
    );
    this.#server.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => onClientError(err, socket));
    this.#hooks = {
      withdraw: (request: RelayRequest) => ctx.dispatcher(request.app.group)?.withdraw(request),
      settled: (request: RelayRequest) => ctx.requests.delete(request.id),
    };
  }

  get apps(): AppDirectory {
    if (!this.#apps) throw new Error('PublicServer.start() has not completed');
    return this.#apps;
  }

  /** Binds, then publishes the apps: their external URLs need the bound port when port 0 was asked. */
  async start(): Promise<number> {
    const { config } = this.#ctx;
    const port = await listen(this.#server, config.ports.public, config.host);
    this.#apps = new AppDirectory(config.apps, config.domain, config.externalPort ?? port);
    return port;
  }

  async close(): Promise<void> {
    this.#server.closeIdleConnections();
    await closeServer(this.#server);
  }

  destroy(): void {
    this.#server.closeAllConnections();
  }

  #onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const requestId = randomUUID();
    const app = this.apps.resolve(req.headers.host);
    if (!app) {
      return this.#answerError(req, res, requestId, new RelayError('app_not_found', `no published app answers to host "${req.headers.host ?? ''}"`));
    }
    const limit = this.#ctx.config.maxRequestHeaders;
    if (countHeaders(req) > limit) {
      return this.#answerError(req, res, requestId, new RelayError('request_header_fields_too_large', `the request carries ${countHeaders(req)} headers; at most ${limit} are allowed`));
    }
    const dispatcher = this.#ctx.dispatcher(app.group);
    if (!dispatcher) throw new Error(`app ${app.name} names unknown group ${app.group}; topology validation should have caught it`);
    const request = new RelayRequest(requestId, app, req, res, this.#ctx.metrics, this.#hooks);
    this.#ctx.requests.set(requestId, request);
    dispatcher.submit(request);
  }

  /** Errors before an app or group is known: counted with `app`/`group` "none". */
  #answerError(req: http.IncomingMessage, res: http.ServerResponse, requestId: string, error: RelayError): void {
    req.resume();
    sendRelayError(req, res, error, requestId);
    this.#ctx.metrics.requests.inc({ app: 'none', group: 'none', method: req.method ?? 'GET', code: String(error.status) });
  }
}

/** Node rejects oversized or malformed heads before any handler runs; answer them in our format. */
function onClientError(err: NodeJS.ErrnoException, socket: net.Socket): void {
  if (!socket.writable || (err.code === 'ECONNRESET')) {
    socket.destroy();
    return;
  }
  const error = err.code === 'HPE_HEADER_OVERFLOW'
    ? new RelayError('request_header_fields_too_large', 'the request head is larger than the relay accepts')
    : new RelayError('bad_request', `malformed request: ${err.code ?? err.message}`);
  const { body, contentType } = renderRelayError(error, 'none', undefined);
  socket.end(
    `HTTP/1.1 ${error.status} ${http.STATUS_CODES[error.status]}\r\nconnection: close\r\n` +
      `content-type: ${contentType}\r\nx-relay-error: ${error.code}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
