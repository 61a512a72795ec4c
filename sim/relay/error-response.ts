import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RelayError } from '../protocol/errors.ts';

const PAGE_TITLE = "This corporate app can't be accessed";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The body and content type of a relay-made error: JSON for API clients, the error page otherwise. */
export function renderRelayError(
  error: RelayError,
  requestId: string,
  accept: string | undefined,
): { body: string; contentType: string } {
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
export function sendRelayError(
  req: IncomingMessage,
  res: ServerResponse,
  error: RelayError,
  requestId: string,
  retryAfterSeconds?: number,
): void {
  const { body, contentType } = renderRelayError(error, requestId, req.headers.accept);
  const headers: Record<string, string | number> = {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'x-relay-error': error.code,
    'x-relay-request-id': requestId,
    'cache-control': 'no-store',
  };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = retryAfterSeconds;
  res.writeHead(error.status, headers);
  res.end(body);
}
