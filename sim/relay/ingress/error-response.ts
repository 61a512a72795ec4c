import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RelayError } from '../../protocol/errors.ts';

const PAGE_TITLE = "This corporate app can't be accessed";
/** RFC 9110 token characters, and a field value without control characters (no CR/LF). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The body and content type of a relay-made error: JSON for API clients, the error page otherwise. */
export function renderRelayError(error: RelayError, requestId: string, accept: string | undefined): { body: string; contentType: string } {
  if (accept?.includes('application/json')) {
    const body = JSON.stringify({ error: error.message, code: error.code, status: error.status, requestId });
    return { body, contentType: 'application/json' };
  }
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${PAGE_TITLE}</title></head>
<body>
<h1>${PAGE_TITLE}</h1>
<p>${escapeHtml(error.message)}</p>
<dl><dt>Status</dt><dd>${error.status}</dd><dt>Code</dt><dd>${error.code}</dd><dt>Request id</dt><dd>${escapeHtml(requestId)}</dd></dl>
</body></html>
`;
  return { body, contentType: 'text/html; charset=utf-8' };
}

/** Writes a relay-made error with its status, `x-relay-error` code and a clear body. */
export function sendRelayError(req: IncomingMessage, res: ServerResponse, error: RelayError, requestId: string, retryAfterSeconds?: number): void {
  const { body, contentType } = renderRelayError(error, requestId, req.headers.accept);
  const headers: Record<string, string | number> = {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'x-relay-error': error.code,
    'x-relay-request-id': requestId,
    'cache-control': 'no-store',
  };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = retryAfterSeconds;
  // The reason phrase is given explicitly: a connector head Node refused may have left another
  // status's phrase on `res` (a "502 OK" status line before this was done).
  res.writeHead(error.status, STATUS_CODES[error.status] ?? 'Error', headers);
  res.end(body);
}

/**
 * Writes a whole HTTP/1.1 response straight onto a socket and closes it: for answers given before
 * Node's response object exists (malformed heads) or after an upgrade took the socket over.
 */
export function writeRawResponse(socket: Duplex, status: number, rawHeaders: readonly string[], body: Buffer | string): void {
  if (!socket.writable) return void socket.destroy();
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}`, 'connection: close', `content-length: ${Buffer.byteLength(body)}`];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    // Raw writes bypass Node's header checks: never let a name or value split the response.
    if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(rawHeaders[i + 1]!)) continue;
    if (name !== 'content-length' && name !== 'connection') lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`);
  }
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  socket.end(body);
}

/** A relay-made error written onto a raw socket (no ServerResponse available). */
export function writeRawRelayError(socket: Duplex, error: RelayError, requestId: string, accept: string | undefined, extra: readonly string[] = []): void {
  const { body, contentType } = renderRelayError(error, requestId, accept);
  writeRawResponse(socket, error.status, ['content-type', contentType, 'x-relay-error', error.code, 'x-relay-request-id', requestId, ...extra], body);
}
