import type { ClientHttp2Stream } from 'node:http2';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { pipeline as pipe, Transform, type Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { VirtualCpus } from './virtual-cpus.ts';
import type { ConnectorFailureCode } from '../protocol/errors.ts';
import { DATA_HEADERS, dataPlanePath } from '../protocol/data-plane-paths.ts';
import type { DispatchMessage, PublishedAppConfig } from '../protocol/messages.ts';
import { encodeInlineResponse, INLINE_BODY_LIMIT } from '../protocol/inline-response.ts';
import type { ConnectorMetrics } from './connector-metrics.ts';
import type { RelayLink } from './relay-link.ts';
import { SimError } from '../common/sim-error.ts';
import type { Cancellation } from './cancellation.ts';

/** A failure the connector reports to the relay in a `fail` message. */
export class BackendCallError extends SimError<ConnectorFailureCode> {
  constructor(code: ConnectorFailureCode, detail: string) {
    super(code, detail, { retryable: code === 'backend_unreachable' });
  }
}

export interface BackendCallContext {
  readonly link: RelayLink;
  /**
   * The keep-alive pool to the backends (undici's Agent: under bench:http's load the connector
   * spent a median 96.5 µs of CPU per request on it against 104.5 on node:http's Agent, 8 runs each).
   */
  readonly backends: Dispatcher;
  readonly metrics: ConnectorMetrics;
  readonly cancellation: Cancellation;
  /** The capacity model's virtual CPUs; absent: as fast as this machine. */
  readonly cpu?: VirtualCpus | undefined;
  /** Where to dial a backend URL (through the connector↔backend distance, when set); the URL itself if absent. */
  readonly route?: (url: URL) => Promise<URL>;
}

/** A backend's answer as the relay gets it: status, header list as sent (order and case kept), body. */
export interface BackendResponse {
  readonly status: number;
  readonly rawHeaders: readonly string[];
  readonly body: Readable;
}

/**
 * Serves one accepted dispatch (DESIGN 4, App Proxy's flow): pull the body from the relay on its own
 * stream if there is one, call the backend through the keep-alive pool, and stream the response
 * back on a second stream. Nothing is buffered whole; each pipe carries backpressure.
 * Resolves with the backend status; rejects with BackendCallError before the response started.
 */
export async function callBackend(ctx: BackendCallContext, message: DispatchMessage, app: PublishedAppConfig): Promise<number> {
  if (ctx.cpu) await ctx.cpu.request(); // the CPU the request costs (TLS, parsing) in the capacity model
  const target = backendUrl(app, message.path);
  const via = ctx.route ? await ctx.route(target) : target;
  const started = performance.now();
  let response: Dispatcher.ResponseData;
  try {
    response = await ctx.backends.request({
      origin: `http://${via.host}`,
      path: target.pathname + target.search,
      method: message.method,
      headers: [...backendHeaders(message.headers), 'host', target.host],
      body: message.hasBody ? pullBody(ctx, message.id) : null,
      signal: ctx.cancellation,
      // No response head, or a body stalled, for longer than the app's backend timeout.
      headersTimeout: app.backendTimeoutMs,
      bodyTimeout: app.backendTimeoutMs,
      responseHeaders: 'raw',
    });
  } catch (err) {
    throw classify(err as Error, app.backendTimeoutMs);
  }
  ctx.metrics.backendDuration.observe({ app: app.name }, (performance.now() - started) / 1000);
  // With responseHeaders 'raw', undici's headers are the list as received: [name, value, ...].
  const rawHeaders = response.headers as unknown as string[];
  return returnResponse(ctx, message.id, { status: response.statusCode, rawHeaders, body: response.body });
}

/**
 * The relay answered a request's `Expect: 100-continue` itself when it read the request (Node's
 * server does), and undici refuses to send one; every other header passes as the relay forwarded it.
 */
function backendHeaders(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() !== 'expect') out.push(raw[i]!, raw[i + 1]!);
  return out;
}

/** Sends a backend response back to the relay: inline when small and of known length, else streamed. */
export async function returnResponse(ctx: BackendCallContext, id: string, response: BackendResponse): Promise<number> {
  const length = contentLength(response.rawHeaders);
  if (length <= INLINE_BODY_LIMIT) await sendInline(ctx, id, response);
  else await streamResponse(ctx, id, response);
  return response.status;
}

/** The Content-Length a header list declares; NaN when it has none (an open-ended body). */
function contentLength(raw: readonly string[]): number {
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 14 && raw[i]!.toLowerCase() === 'content-length') return Number(raw[i + 1]);
  return NaN;
}

/**
 * A response of known small length goes back whole in one control frame: one WebSocket message
 * instead of an HTTP/2 stream, which roughly halves the per-request cost. Bounded by
 * INLINE_BODY_LIMIT; bodies of unknown length always stream, so nothing ever waits to fill a buffer.
 */
async function sendInline(ctx: BackendCallContext, id: string, { status, rawHeaders, body }: BackendResponse): Promise<void> {
  const { chunks, size } = await readSmallBody(body);
  ctx.metrics.bytes.inc({ direction: 'down' }, size);
  if (ctx.cpu) await ctx.cpu.bytes(size);
  ctx.link.sendFrame(Buffer.concat(encodeInlineResponse({ type: 'response', id, status, headers: rawHeaders as string[] }, chunks)));
}

/** A body of known small length, whole; events, not an async iterator, which cost more per request. */
function readSmallBody(body: Readable): Promise<{ chunks: Buffer[]; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= INLINE_BODY_LIMIT) return void chunks.push(chunk);
      body.destroy();
      reject(new BackendCallError('backend_unreachable', 'backend sent more than its content-length'));
    });
    body.once('end', () => resolve({ chunks, size }));
    body.once('error', reject);
    // Cut before its end (the backend went away): no response to give, as the iterator would throw.
    body.once('close', () => body.readableEnded || reject(new Error('backend response ended early')));
  });
}

/** Any larger or open-ended response streams on its own data-plane stream, with flow control. */
async function streamResponse(ctx: BackendCallContext, id: string, { status, rawHeaders, body }: BackendResponse): Promise<void> {
  const up = ctx.link.openStream(
    {
      ':method': 'POST',
      ':path': dataPlanePath(id, 'response'),
      [DATA_HEADERS.status]: String(status),
      [DATA_HEADERS.head]: JSON.stringify(rawHeaders),
    },
    false,
  );
  up.resume(); // the relay's acknowledgement carries no body worth keeping
  let bytesDown = 0;
  body.on('data', (chunk: Buffer) => (bytesDown += chunk.length));
  try {
    await (ctx.cpu ? pipeline(body, cpuMeter(ctx.cpu), up, { signal: ctx.cancellation.signal }) : pipeline(body, up, { signal: ctx.cancellation.signal }));
  } finally {
    ctx.metrics.bytes.inc({ direction: 'down' }, bytesDown);
  }
}

/**
 * The backend URL for a dispatched path: the app's internal URL, its base path kept. Joined as text
 * so that a path like `//elsewhere/x` stays a path on the backend, never another host.
 */
export function backendUrl(app: PublishedAppConfig, path: string): URL {
  const base = new URL(app.internalUrl);
  return new URL(base.origin + base.pathname.replace(/\/$/, '') + (path.startsWith('/') ? path : `/${path}`));
}

/**
 * The user's upload, fetched from the relay (which only now starts reading it) as the backend
 * request's body. Its bytes are counted (and charged to the virtual CPUs) as they pass, since undici
 * starts reading only once a connection is free.
 */
function pullBody(ctx: BackendCallContext, id: string): Readable {
  const body: ClientHttp2Stream = ctx.link.openStream({ ':method': 'GET', ':path': dataPlanePath(id, 'body') }, true);
  body.once('response', (headers) => {
    if (headers[':status'] !== 200) body.destroy(new Error(`relay refused the body stream: ${headers[':status']}`));
  });
  let bytesUp = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytesUp += chunk.length;
      if (ctx.cpu) ctx.cpu.bytes(chunk.length).then(() => callback(null, chunk), callback);
      else callback(null, chunk);
    },
  });
  // A failed relay stream fails the meter, and so the backend request; an abandoned request ends the relay stream.
  return pipe(body, meter, (err) => err || ctx.metrics.bytes.inc({ direction: 'up' }, bytesUp));
}

/** Charges each chunk's bytes to the virtual CPUs before passing it on. */
function cpuMeter(cpu: VirtualCpus): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      cpu.bytes(chunk.length).then(() => callback(null, chunk), callback);
    },
  });
}

const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** A failed backend call as the relay hears of it; a cancellation passes through unchanged. */
export function classify(err: Error, timeoutMs?: number): BackendCallError | Error {
  if (err instanceof BackendCallError || err.name === 'AbortError') return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code && TIMEOUTS.has(code)) return new BackendCallError('backend_timeout', `backend did not answer within ${timeoutMs ?? '?'} ms`);
  return new BackendCallError('backend_unreachable', `backend request failed: ${code ?? err.message}`);
}
