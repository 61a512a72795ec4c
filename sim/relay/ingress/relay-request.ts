import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import { pipeline } from 'node:stream/promises';
import { ProtocolError, RelayError } from '../../protocol/errors.ts';
import { DispatchedWork, type WorkHooks } from '../dispatch/dispatched-work.ts';
import { sendRelayError } from './error-response.ts';
import { userResponseHeaders } from './forward-headers.ts';
import type { PublishedApp } from './published-app.ts';
import type { LossStage, RelayMetrics } from '../relay-metrics.ts';
import { checkInlineBody, PromisedLength, promisedBodyLength } from './response-framing.ts';
import { IdleBound } from './idle-bound.ts';
import type { RequestSettings } from '../relay-config.ts';

/** Label for a request whose user left before the response completed (nginx's convention). */
const CLIENT_CLOSED = '499';

/**
 * One user HTTP request from arrival to last byte: queued, dispatched to a connector, accepted,
 * then streamed. The user's upload is read only when the connector pulls it; the response streams
 * back (or arrives whole, when small).
 */
export class RelayRequest extends DispatchedWork {
  readonly kind = 'http';
  readonly hasBody: boolean;
  readonly res: ServerResponse;
  #bytesUp = 0;
  #bytesDown = 0;

  /** Headers the relay adds to the user's response (the session cookie after a sign-in). */
  readonly #extraHeaders: readonly string[];
  readonly #settings: RequestSettings;
  /** The idle bound of the phase in progress: the upload, then the download. */
  #idle: IdleBound | undefined;

  constructor(
    id: string,
    app: PublishedApp,
    req: IncomingMessage,
    res: ServerResponse,
    metrics: RelayMetrics,
    hooks: WorkHooks,
    settings: RequestSettings,
    auth: { user?: string; setCookie?: string } = {},
  ) {
    super(id, app, req, metrics, hooks, auth.user);
    this.res = res;
    this.#settings = settings;
    this.#extraHeaders = auth.setCookie ? ['set-cookie', auth.setCookie] : [];
    this.hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!this.hasBody) req.resume();
    res.once('close', () => this.#onUserClosed());
  }

  override attachBody(stream: ServerHttp2Stream): void {
    if (!this.hasBody) return super.attachBody(stream);
    if (this.bodyPulled) throw new ProtocolError('unexpected_message', `body of ${this.id} was already pulled`);
    this.bodyPulled = true;
    this.clearGuard(); // an upload may legitimately outlast the backend timeout
    stream.respond({ ':status': 200 });
    const idle = this.#watchIdle('up', stream);
    this.req.on('data', (chunk: Buffer) => {
      this.#bytesUp += chunk.length;
      idle.touch();
    });
    // Not pipeline(): if the connector dies mid-upload, the user must still get its 502, so the
    // user's request is unhooked and drained rather than destroyed with the stream.
    this.req.pipe(stream);
    this.req.once('end', () => {
      idle.stop();
      this.armGuard();
    });
    this.req.once('close', () => {
      if (!this.req.readableEnded) stream.destroy(); // the user abandoned the upload
    });
    stream.once('close', () => {
      if (this.req.readableEnded) return;
      this.req.unpipe(stream);
      this.req.resume();
    });
  }

  respond(stream: ServerHttp2Stream, status: number, rawHead: readonly string[]): void {
    const promised = this.#writeHead(status, rawHead);
    const session = stream.session;
    const idle = this.#watchIdle('down', stream);
    stream.on('data', (chunk: Buffer) => {
      this.#bytesDown += chunk.length;
      idle.touch();
    });
    const body = promised === undefined ? pipeline(stream, this.res) : pipeline(stream, new PromisedLength(promised), this.res);
    body.then(
      () => {
        if (!stream.destroyed) stream.respond({ ':status': 200 }, { endStream: true });
        this.#finish(String(status));
      },
      (err: Error) => {
        if (err instanceof ProtocolError) this.metrics.protocolErrors.inc({ code: err.code });
        // The connector's data-plane session died under the body: lost with its connector (the
        // control channel may notice first, or after; the loss counts once either way).
        if (session?.destroyed && !this.res.destroyed) {
          return void this.loseInFlight(new RelayError('connector_lost', `the connector's link went away mid-response`));
        }
        // Cut mid-body: the user sees a truncated response and a closed connection, as with any proxy.
        if (!stream.destroyed) stream.close();
        this.res.destroy();
      },
    );
  }

  respondInline(status: number, rawHead: readonly string[], body: Buffer): void {
    this.#writeHead(status, rawHead, body);
    this.#bytesDown += body.length;
    this.res.end(body, () => this.#finish(String(status)));
  }

  /** A response already handed whole to the user is not lost: it completes. */
  override loseInFlight(error: RelayError): boolean {
    return !this.res.writableEnded && super.loseInFlight(error);
  }

  protected override countLoss(stage: LossStage): void {
    this.metrics.lostInFlight.inc({ group: this.app.group, stage });
  }

  reject(error: RelayError, retryAfterSeconds?: number): void {
    if (this.state === 'done') return;
    if (this.res.headersSent) {
      this.res.destroy(error);
      return;
    }
    sendRelayError(this.req, this.res, error, this.id, retryAfterSeconds);
    this.#finish(String(error.status));
  }

  /**
   * Writes the user's response head; returns the body length it promises. A head with a broken
   * Content-Length (or an inline body that breaks it) throws after `beginResponse`, so the request
   * is not replayed elsewhere: the connector's violation ends it with 502.
   */
  #writeHead(status: number, rawHead: readonly string[], inlineBody?: Buffer): number | undefined {
    this.beginResponse();
    const promised = promisedBodyLength(rawHead, this.req.method, status);
    if (inlineBody) checkInlineBody(promised, inlineBody);
    const headers = userResponseHeaders(rawHead, this.app.translateHeaders ? this.app : undefined);
    headers.push('x-relay-request-id', this.id, ...this.#extraHeaders);
    this.res.writeHead(status, headers);
    this.metrics.timeToFirstByte.observe(this.#labels(), this.elapsedSeconds());
    return promised;
  }

  /**
   * Bounds a phase in which bytes must keep moving: no byte either way for `idleTimeoutMs` ends
   * the request and frees its slot. Before the response started the user gets 408 idle_timeout
   * (and the connection closes, since the upload was not read to its end); after, the connection
   * is cut. Either way the connector is told to stop.
   */
  #watchIdle(direction: 'up' | 'down', stream: ServerHttp2Stream): IdleBound {
    this.#idle?.stop();
    this.#idle = new IdleBound(this.#settings.idleTimeoutMs, () => {
      if (this.state === 'done') return;
      this.metrics.idleTimeouts.inc({ app: this.app.name, direction });
      this.owner?.cancel(this, 'idle_timeout');
      if (!stream.destroyed) stream.destroy();
      if (this.res.headersSent) return void this.res.destroy();
      this.req.unpipe();
      this.res.shouldKeepAlive = false;
      this.reject(
        new RelayError('idle_timeout', `no byte moved either way for ${this.#settings.idleTimeoutMs} ms; the request was ended to free its connector slot`),
      );
    });
    return this.#idle;
  }

  #onUserClosed(): void {
    if (this.state === 'done' || this.res.writableFinished) return; // finished normally: accounted elsewhere
    if (this.state === 'queued') this.hooks.withdraw(this);
    else this.owner?.cancel(this, 'user_gone');
    this.#finish(this.res.headersSent ? String(this.res.statusCode) : CLIENT_CLOSED);
  }

  #finish(code: string): void {
    this.#idle?.stop();
    const labels = this.#labels();
    if (!this.finishWork()) return;
    // Labels spelt out, not spread from `labels`: under bench:http's load the spread made V8 keep
    // every request past young GCs (the relay promoted 1.1-1.3 MB per scavenge, 0.4-0.9 MB without).
    this.metrics.requests.inc({ app: labels.app, group: labels.group, method: this.req.method ?? 'GET', code });
    this.metrics.requestDuration.observe(labels, this.elapsedSeconds());
    if (this.#bytesUp > 0) this.metrics.bytes.inc({ app: this.app.name, direction: 'up' }, this.#bytesUp);
    if (this.#bytesDown > 0) this.metrics.bytes.inc({ app: this.app.name, direction: 'down' }, this.#bytesDown);
  }

  #labels() {
    return { app: this.app.name, group: this.app.group };
  }
}
