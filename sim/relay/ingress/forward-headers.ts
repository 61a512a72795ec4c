import type { IncomingMessage } from 'node:http';
import { SESSION_COOKIE, withoutCookie } from '../auth/session-cookie.ts';

/** Hop-by-hop headers (RFC 9110 §7.6.1) never cross a proxy hop. `host` is set by the connector. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function connectionTokens(raw: readonly string[]): Set<string> {
  const tokens = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'connection') {
      for (const token of raw[i + 1]!.split(',')) tokens.add(token.trim().toLowerCase());
    }
  }
  return tokens;
}

function withoutHopByHop(raw: readonly string[], alsoDrop: ReadonlySet<string>): string[] {
  const named = connectionTokens(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || named.has(name) || alsoDrop.has(name)) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/** `x-relay-user` is the relay's to set: a user-supplied one is always dropped. */
const REQUEST_DROP = new Set(['host', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-relay-user']);
const PRE_AUTH_DROP = new Set([...REQUEST_DROP, 'authorization']);

/**
 * The header list the connector sends to the backend: the user's end-to-end headers plus
 * X-Forwarded-For (the client address appended to any list the user sent, as proxies chain it),
 * and X-Forwarded-Host and X-Forwarded-Proto set by the relay alone: the Host it routed on and the
 * scheme the user spoke. A user-supplied X-Forwarded-Host or -Proto is dropped, so a backend that
 * builds absolute URLs from them cannot be pointed at another host.
 * For a pre-authenticated user, the relay's session cookie and bearer token stay at the relay and
 * the user's identity travels as `x-relay-user`.
 */
export function forwardRequestHeaders(req: IncomingMessage, identity?: { readonly user: string; readonly sessionCookie: string }): string[] {
  let out = withoutHopByHop(req.rawHeaders, identity ? PRE_AUTH_DROP : REQUEST_DROP);
  if (identity) {
    const kept: string[] = [];
    for (let i = 0; i < out.length; i += 2) {
      const value = out[i]!.toLowerCase() === 'cookie' ? withoutCookie(out[i + 1]!, identity.sessionCookie) : out[i + 1]!;
      if (value !== undefined) kept.push(out[i]!, value);
    }
    out = kept;
    out.push('x-relay-user', identity.user);
  }
  const clientIp = req.socket.remoteAddress ?? 'unknown';
  const priorFor = req.headers['x-forwarded-for'];
  out.push('x-forwarded-for', priorFor ? `${priorFor}, ${clientIp}` : clientIp);
  out.push('x-forwarded-host', req.headers.host ?? '');
  // The relay is the edge: the scheme is what the user spoke to us, whatever the client claims.
  out.push('x-forwarded-proto', (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
  return out;
}

const NO_DROP: ReadonlySet<string> = new Set();
const SESSION_COOKIE_SET = new RegExp(`^\\s*${SESSION_COOKIE}\\s*=`, 'i');

/**
 * The header list the relay writes to the user. A backend's `Set-Cookie` for the relay's own
 * session cookie is dropped: it could overwrite (or forge a replacement for) the user's session.
 * With `translate`, an absolute Location (or Content-Location) that points at the app's internal
 * origin is rewritten to its external origin.
 */
export function userResponseHeaders(
  raw: readonly string[],
  translate: { readonly internalOrigin: string; readonly externalOrigin: string } | undefined,
): string[] {
  const out = withoutHopByHop(raw, NO_DROP);
  for (let i = out.length - 2; i >= 0; i -= 2) {
    if (out[i]!.toLowerCase() === 'set-cookie' && SESSION_COOKIE_SET.test(out[i + 1]!)) out.splice(i, 2);
  }
  if (!translate) return out;
  for (let i = 0; i < out.length; i += 2) {
    const name = out[i]!.toLowerCase();
    if (name !== 'location' && name !== 'content-location') continue;
    out[i + 1] = translateUrl(out[i + 1]!, translate.internalOrigin, translate.externalOrigin);
  }
  return out;
}

function translateUrl(value: string, internalOrigin: string, externalOrigin: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value; // relative: already correct from the user's point of view
  }
  if (url.origin !== internalOrigin) return value;
  return externalOrigin + value.slice(url.origin.length);
}
