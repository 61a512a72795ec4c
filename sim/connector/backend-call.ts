import http from 'node:http';
import type { ClientHttp2Stream } from 'node:http2';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { VirtualCpus } from './virtual-cpus.ts';
import type { ConnectorFailureCode } from '../protocol/errors.ts';
import { DATA_HEADERS, dataPlanePath } from '../protocol/data-plane-paths.ts';
import type { DispatchMessage, PublishedAppConfig } from '../protocol/messages.ts';
import { encodeInlineResponse, INLINE_BODY_LIMIT } from '../protocol/inline-response.ts';
import type { ConnectorMetrics } from './connector-metrics.ts';
import type { RelayLink } from './relay-link.ts';
import { SimError } from '../common/sim-error.ts';
import { CancelledError, type Cancellation } from './cancellation.ts';

/** A failure the connector reports to the relay in a `fail` message. */
export class BackendCallError extends SimError<ConnectorFailureCode> {
  constructor(code: ConnectorFailureCode, detail: string) {
    super(code, detail, { retryable: code === 'backend_unreachable' });
  }
}

export interface BackendCallContext {
  readonly link: RelayLink;
  readonly agent: http.Agent;
  /** Name resolution for connections outside the pool (backend WebSockets); absent: getaddrinfo. */
  readonly lookup?: LookupFunction | undefined;
  readonly metrics: ConnectorMetrics;
  readonly cancellation: Cancellation;
  /** The capacity model's virtual CPUs; absent: as fast as this machine. */
  readonly cpu?: VirtualCpus | undefined;
  /** Where to dial a backend URL (through the connector↔backend distance, when set); the URL itself if absent. */
  readonly route?: (url: URL) => Promise<URL>;
}

/** What every request's context shares: all of it but the relay link and the cancellation. */
export type SharedCallContext = Omit<BackendCallContext, 'link' | 'cancellation'>;

/**
 * One request's context, built field by field rather than by spreading the shared part. Why: under
 * bench:http's load the spread (`{ ...shared, link, cancellation }`) made V8 keep each request's
 * context, and everything it reaches, past young GCs: the connector promoted 230-1,450 KB per
 * scavenge (4 runs); built this way, 48-64 KB (4 runs; --trace-gc-nvp). `satisfies` makes a field
 * added to the context a compile error here until it is copied too.
 */
export function requestCallContext(shared: SharedCallContext, link: RelayLink, cancellation: Cancellation): BackendCallContext {
  const ctx = { agent: shared.agent, lookup: shared.lookup, metrics: shared.metrics, cpu: shared.cpu, route: shared.route, link, cancellation };
  return ctx satisfies Record<keyof BackendCallContext, unknown>;
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
  const backendReq = http.request({
    agent: ctx.agent,
    hostname: via.hostname,
    port: via.port,
    method: message.method,
    path: target.pathname + target.search,
    headers: [...message.headers, 'host', target.host],
  });
  ctx.cancellation.onCancel(() => backendReq.destroy(new CancelledError()));
  // Socket inactivity beyond the app's backend timeout (no response head, or a stalled body).
  backendReq.setTimeout(app.backendTimeoutMs, () =>
    backendReq.destroy(new BackendCallError('backend_timeout', `backend did not answer within ${app.backendTimeoutMs} ms`)),
  );
  const responded = new Promise<http.IncomingMessage>((resolve, reject) => {
    backendReq.once('response', resolve);
    backendReq.once('error', (err) => reject(classify(err)));
  });
  const started = performance.now();
  if (message.hasBody) pullBody(ctx, message.id, backendReq);
  else backendReq.end();

  const backendRes = await responded;
  ctx.metrics.backendDuration.observe({ app: app.name }, (performance.now() - started) / 1000);
  return returnResponse(ctx, message.id, backendRes);
}

/** Sends a backend response back to the relay: inline when small and of known length, else streamed. */
export async function returnResponse(ctx: BackendCallContext, id: string, backendRes: http.IncomingMessage): Promise<number> {
  const status = backendRes.statusCode ?? 502;
  const length = Number(backendRes.headers['content-length'] ?? NaN);
  if (length <= INLINE_BODY_LIMIT) await sendInline(ctx, id, backendRes, status);
  else await streamResponse(ctx, id, backendRes, status);
  return status;
}

/**
 * A response of known small length goes back whole in one control frame: one WebSocket message
 * instead of an HTTP/2 stream, which roughly halves the per-request cost. Bounded by
 * INLINE_BODY_LIMIT; bodies of unknown length always stream, so nothing ever waits to fill a buffer.
 */
async function sendInline(ctx: BackendCallContext, id: string, backendRes: http.IncomingMessage, status: number): Promise<void> {
  const { chunks, size } = await readSmallBody(backendRes);
  ctx.metrics.bytes.inc({ direction: 'down' }, size);
  if (ctx.cpu) await ctx.cpu.bytes(size);
  ctx.link.sendFrame(Buffer.concat(encodeInlineResponse({ type: 'response', id, status, headers: backendRes.rawHeaders }, chunks)));
}

/** A body of known small length, whole; events, not an async iterator, which cost more per request. */
function readSmallBody(backendRes: http.IncomingMessage): Promise<{ chunks: Buffer[]; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    backendRes.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= INLINE_BODY_LIMIT) return void chunks.push(chunk);
      backendRes.destroy();
      reject(new BackendCallError('backend_unreachable', 'backend sent more than its content-length'));
    });
    backendRes.once('end', () => resolve({ chunks, size }));
    backendRes.once('error', reject);
    // Cut before its end (the backend went away): no response to give, as the iterator would throw.
    backendRes.once('close', () => backendRes.readableEnded || reject(new Error('backend response ended early')));
  });
}

/** Any larger or open-ended response streams on its own data-plane stream, with flow control. */
async function streamResponse(ctx: BackendCallContext, id: string, backendRes: http.IncomingMessage, status: number): Promise<void> {
  const up = ctx.link.openStream(
    {
      ':method': 'POST',
      ':path': dataPlanePath(id, 'response'),
      [DATA_HEADERS.status]: String(status),
      [DATA_HEADERS.head]: JSON.stringify(backendRes.rawHeaders),
    },
    false,
  );
  up.resume(); // the relay's acknowledgement carries no body worth keeping
  let bytesDown = 0;
  backendRes.on('data', (chunk: Buffer) => (bytesDown += chunk.length));
  try {
    await (ctx.cpu
      ? pipeline(backendRes, cpuMeter(ctx.cpu), up, { signal: ctx.cancellation.signal })
      : pipeline(backendRes, up, { signal: ctx.cancellation.signal }));
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

/** Fetches the user's upload from the relay (which only now starts reading it) into the backend. */
function pullBody(ctx: BackendCallContext, id: string, backendReq: http.ClientRequest): void {
  const body: ClientHttp2Stream = ctx.link.openStream({ ':method': 'GET', ':path': dataPlanePath(id, 'body') }, true);
  body.once('response', (headers) => {
    if (headers[':status'] !== 200) backendReq.destroy(new Error(`relay refused the body stream: ${headers[':status']}`));
  });
  let bytesUp = 0;
  body.on('data', (chunk: Buffer) => (bytesUp += chunk.length));
  (ctx.cpu ? pipeline(body, cpuMeter(ctx.cpu), backendReq) : pipeline(body, backendReq)).then(
    () => ctx.metrics.bytes.inc({ direction: 'up' }, bytesUp),
    (err: Error) => backendReq.destroy(err),
  );
}

/** Charges each chunk's bytes to the virtual CPUs before passing it on. */
function cpuMeter(cpu: VirtualCpus): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      cpu.bytes(chunk.length).then(() => callback(null, chunk), callback);
    },
  });
}

export function classify(err: Error): BackendCallError | Error {
  if (err instanceof BackendCallError || err.name === 'AbortError') return err;
  return new BackendCallError('backend_unreachable', `backend request failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
}
