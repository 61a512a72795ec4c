import type { IncomingMessage, ServerResponse } from 'node:http';
import { JsonBodyError, readJsonBody, sendJson } from '../../common/json-http.ts';
import type { TokenService } from './token-service.ts';

const MAX_BODY = 4096;
const json = sendJson;

/**
 * The simulated identity provider under `/_relay/sts/`:
 *   POST /_relay/sts/token      {"user","app"} → {"token"}: an ES256 JWT (issuer, audience = app, expiry)
 *   GET  /_relay/sts/authorize  the sign-in page browsers are redirected to
 * Returns false for any other path, so the caller routes it to an app.
 */
export function serveTokenEndpoint(
  req: IncomingMessage,
  res: ServerResponse,
  tokens: TokenService,
  users: readonly string[],
  apps: readonly string[],
): boolean {
  const url = new URL(req.url ?? '/', 'http://relay');
  if (url.pathname === '/_relay/sts/authorize' && req.method === 'GET') {
    const app = url.searchParams.get('app') ?? '';
    const page = `<!doctype html><title>Sign in</title><h1>Sign in to ${app.replace(/[^a-z0-9-]/g, '')}</h1><p>This simulated identity provider issues tokens at POST /_relay/sts/token with {"user","app"}; send the token as a bearer to the app and the relay opens a session.</p>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page) }).end(page);
    return true;
  }
  if (url.pathname !== '/_relay/sts/token') return false;
  if (req.method !== 'POST') {
    json(res, 405, { error: 'use POST with {"user","app"}' });
    return true;
  }
  readJsonBody(req, MAX_BODY)
    .then((parsed) => {
      const request = (parsed ?? {}) as { user?: unknown; app?: unknown };
      if (typeof request.user !== 'string' || !users.includes(request.user)) return json(res, 400, { error: `unknown user ${JSON.stringify(request.user)}` });
      if (typeof request.app !== 'string' || !apps.includes(request.app)) return json(res, 400, { error: `unknown app ${JSON.stringify(request.app)}` });
      return tokens.sign(request.user, request.app).then((token) => json(res, 200, { token }));
    })
    .catch((err: Error) =>
      json(res, err instanceof JsonBodyError ? 400 : 500, { error: err instanceof JsonBodyError ? `${err.message}; send {"user","app"}` : err.message }),
    );
  return true;
}
