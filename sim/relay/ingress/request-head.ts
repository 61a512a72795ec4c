import type { IncomingMessage } from 'node:http';
import type net from 'node:net';
import { isOriginForm } from '../../common/request-guard.ts';
import { RelayError } from '../../protocol/errors.ts';
import { writeRawRelayError } from './error-response.ts';

/** Bounds a client's request head: a slowloris sender gets 408 after this long (README). */
export const HEADERS_TIMEOUT_MS = 20_000;
/**
 * How often Node checks `headersTimeout`. Its default (30 s) let a slowloris socket live ~37 s
 * against a documented 20 s; a 1 s sweep keeps the cut within about a second of the bound.
 */
export const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/**
 * What is wrong with a request head before any routing, or undefined: too many headers (checked
 * first, on every path and host), a malformed target, or an HTTP/1.1 request without Host.
 * Node's own Host check is off so that this answer is in the relay's format, not a bare 400.
 */
export function checkRequestHead(req: IncomingMessage, maxHeaders: number): RelayError | undefined {
  const headers = req.rawHeaders.length / 2;
  if (headers > maxHeaders) {
    return new RelayError('request_header_fields_too_large', `the request carries ${headers} headers; at most ${maxHeaders} are allowed`);
  }
  if (!isOriginForm(req.url)) {
    return new RelayError('bad_request', `malformed request target ${JSON.stringify(req.url?.slice(0, 100))}: it must be a path starting with a single /`);
  }
  if (req.httpVersion === '1.1' && req.headers.host === undefined) {
    return new RelayError('bad_request', 'an HTTP/1.1 request must carry a Host header naming the app (RFC 9112 §3.2)');
  }
  return undefined;
}

/** Node rejects oversized, malformed or too-slow heads before any handler runs; answer them in our format. */
export function onClientError(err: NodeJS.ErrnoException, socket: net.Socket): void {
  if (err.code === 'ECONNRESET') return void socket.destroy();
  const error =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new RelayError('request_header_fields_too_large', 'the request head is larger than the relay accepts')
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new RelayError('request_timeout', `the request head did not arrive within ${HEADERS_TIMEOUT_MS / 1000} s`)
        : new RelayError('bad_request', `malformed request: ${err.code ?? err.message}`);
  writeRawRelayError(socket, error, 'none', undefined);
}
