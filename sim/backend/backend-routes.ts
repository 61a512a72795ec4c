import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { deterministicChunks } from './deterministic-bytes.ts';

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** Path parameter (`:n`, `:ms`, `:code`) when the route has one. */
  readonly param: string;
  /** Aborted when the client goes away, so slow routes stop work early. */
  readonly signal: AbortSignal;
}

export interface Route {
  /** Template used as the `route` metric label: bounded, never the raw path. */
  readonly template: string;
  readonly pattern: RegExp;
  readonly handle: (ctx: RouteContext) => Promise<void> | void;
}

const MAX_BYTES = 64 * 1024 ** 3;
const MAX_DELAY_MS = 600_000;

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function intParam(raw: string | null, name: string, min: number, max: number, fallback?: number): number {
  if (raw === null || raw === '') {
    if (fallback === undefined) throw new RangeError(`${name} is required`);
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function describeRequest({ req, url }: RouteContext) {
  return {
    method: req.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
  };
}

async function streamBytes(ctx: RouteContext): Promise<void> {
  const total = intParam(ctx.param, 'n', 0, MAX_BYTES);
  const chunk = intParam(ctx.url.searchParams.get('chunk'), 'chunk', 1, 16 << 20, 64 << 10);
  const delayMs = intParam(ctx.url.searchParams.get('delayMs'), 'delayMs', 0, MAX_DELAY_MS, 0);
  ctx.res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
  const source =
    delayMs === 0
      ? Readable.from(deterministicChunks(total, chunk), { objectMode: false })
      : Readable.from(pacedChunks(total, chunk, delayMs, ctx.signal), { objectMode: false });
  await pipeline(source, ctx.res, { signal: ctx.signal });
}

async function* pacedChunks(total: number, chunk: number, delayMs: number, signal: AbortSignal) {
  let first = true;
  for (const piece of deterministicChunks(total, chunk)) {
    if (!first) await sleep(delayMs, undefined, { signal });
    first = false;
    yield piece;
  }
}

/** Consumes the body as it streams; `?rate=` (bytes/s) reads slowly to exercise backpressure. */
async function consumeUpload(ctx: RouteContext): Promise<void> {
  const rate = intParam(ctx.url.searchParams.get('rate'), 'rate', 1, Number.MAX_SAFE_INTEGER, 0);
  const hash = createHash('sha256');
  let bytes = 0;
  const started = Date.now();
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    if (rate > 0) {
      const aheadMs = (bytes / rate) * 1000 - (Date.now() - started);
      if (aheadMs > 0) await sleep(aheadMs, undefined, { signal: ctx.signal });
    }
  }
  sendJson(ctx.res, 200, { bytes, sha256: hash.digest('hex') });
}

/** Waits `ms`, or with `?dist=exp` an exponentially distributed time of mean `ms` (M/M/c service). */
async function delay(ctx: RouteContext): Promise<void> {
  const mean = intParam(ctx.param, 'ms', 0, MAX_DELAY_MS);
  const dist = ctx.url.searchParams.get('dist') ?? 'fixed';
  if (dist !== 'fixed' && dist !== 'exp') throw new RangeError('dist must be fixed or exp');
  const ms = dist === 'exp' ? Math.min(MAX_DELAY_MS, -Math.log(1 - Math.random()) * mean) : mean;
  await sleep(ms, undefined, { signal: ctx.signal });
  sendJson(ctx.res, 200, { delayedMs: Math.round(ms) });
}

function status(ctx: RouteContext): void {
  const code = intParam(ctx.param, 'code', 200, 599);
  sendJson(ctx.res, code, { status: code });
}

/** Answers with an absolute Location on the backend's own host, as internal apps often do. */
function redirect(ctx: RouteContext): void {
  const to = ctx.url.searchParams.get('to') ?? '/';
  if (!to.startsWith('/')) throw new RangeError('to must be a path starting with /');
  const host = ctx.req.headers.host ?? 'localhost';
  ctx.res.writeHead(302, { location: `http://${host}${to}`, 'content-length': 0 });
  ctx.res.end();
}

const COOKIE_PART = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$/;

/** `/cookies/set?name=value&…` sets each pair as a cookie (httpbin's route), at most 10 of them. */
function setCookies(ctx: RouteContext): void {
  const pairs = [...ctx.url.searchParams].slice(0, 10);
  if (!pairs.every(([name, value]) => COOKIE_PART.test(name) && COOKIE_PART.test(value))) throw new RangeError('cookie names and values must be tokens');
  const cookies = pairs.map(([name, value]) => `${name}=${value}; Path=/`);
  const body = JSON.stringify({ set: Object.fromEntries(pairs) });
  ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'set-cookie': cookies });
  ctx.res.end(body);
}

export const ROUTES: readonly Route[] = [
  { template: '/echo', pattern: /^\/(?:echo)?$/, handle: (ctx) => sendJson(ctx.res, 200, describeRequest(ctx)) },
  { template: '/headers', pattern: /^\/headers$/, handle: (ctx) => sendJson(ctx.res, 200, ctx.req.headers) },
  { template: '/bytes/:n', pattern: /^\/bytes\/([^/]+)$/, handle: streamBytes },
  { template: '/upload', pattern: /^\/upload$/, handle: consumeUpload },
  { template: '/delay/:ms', pattern: /^\/delay\/([^/]+)$/, handle: delay },
  { template: '/status/:code', pattern: /^\/status\/([^/]+)$/, handle: status },
  { template: '/redirect', pattern: /^\/redirect$/, handle: redirect },
  { template: '/cookies/set', pattern: /^\/cookies\/set$/, handle: setCookies },
];

export { sendJson };
