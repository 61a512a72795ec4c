import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from './logger.ts';

/** Any origin for parsing origin-form targets; only path and query are read from the result. */
const PARSE_ORIGIN = 'http://target.invalid';

/**
 * Whether a request target is origin-form with a single leading slash (`/path?query`). `//`, `///`
 * and `//@` are not: `new URL('//', base)` throws on them (it reads a scheme-relative URL with an
 * empty host), and `//host/x` would silently turn into the path `/x` of another host. One such
 * request used to take a whole process down. A string test, so the relay can check every request
 * without building a URL.
 */
export function isOriginForm(target: string | undefined): boolean {
  const raw = target ?? '/';
  return raw.startsWith('/') && !raw.startsWith('//');
}

/**
 * Parses a request target (`req.url`) without ever throwing, or returns undefined when it is not
 * origin-form (see isOriginForm); callers answer 400 in their own format.
 */
export function parseRequestTarget(target: string | undefined): URL | undefined {
  if (!isOriginForm(target)) return undefined;
  try {
    // Appended to a fixed origin, not resolved against it, so the path is exactly what was sent.
    return new URL(PARSE_ORIGIN + (target ?? '/'));
  } catch {
    return undefined;
  }
}

/** How a server answers a request its handler failed on before any response byte was sent. */
export type FailureAnswer = (req: IncomingMessage, res: ServerResponse, err: Error) => void;

/** The default failure answer: a plain-text 500. */
export const plain500: FailureAnswer = (_req, res) => {
  res.writeHead(500, { 'content-type': 'text/plain', connection: 'close' }).end('internal error; the process keeps running and logged the cause\n');
};

/**
 * The top-level guard of an HTTP entry point: an exception (or rejected promise) in one request's
 * handler is logged and answered with 500 (or the response is cut if it had started), never a
 * process exit that takes every other session down with it.
 */
export function guardRequests(
  log: Logger,
  handler: (req: IncomingMessage, res: ServerResponse) => unknown,
  answer: FailureAnswer = plain500,
): (req: IncomingMessage, res: ServerResponse) => void {
  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown): void => {
    const error = err instanceof Error ? err : new Error(String(err));
    log.error({ err: error, method: req.method, url: req.url?.slice(0, 200) }, 'request handler failed; answered 500');
    if (res.headersSent || res.destroyed) return void res.destroy();
    try {
      answer(req, res, error);
    } catch {
      res.destroy();
    }
  };
  return (req, res) => {
    try {
      const result = handler(req, res);
      if (result instanceof Promise) result.catch((err: unknown) => fail(req, res, err));
    } catch (err) {
      fail(req, res, err);
    }
  };
}

/** The same guard for `upgrade` handlers: the raw socket is closed instead of answered. */
export function guardUpgrades(
  log: Logger,
  handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => unknown,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const fail = (req: IncomingMessage, socket: Duplex, err: unknown): void => {
    log.error({ err, url: req.url?.slice(0, 200) }, 'upgrade handler failed; closed the socket');
    if (!socket.destroyed && socket.writable) socket.end('HTTP/1.1 500 Internal Server Error\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  };
  return (req, socket, head) => {
    try {
      const result = handler(req, socket, head);
      if (result instanceof Promise) result.catch((err: unknown) => fail(req, socket, err));
    } catch (err) {
      fail(req, socket, err);
    }
  };
}
