import type { IncomingMessage } from 'node:http';
import { RelayError } from '../../protocol/errors.ts';
import type { PublishedApp } from '../ingress/published-app.ts';
import { readCookie, SESSION_COOKIE, type SessionCookies } from './session-cookie.ts';
import type { TokenService } from './token-service.ts';

/** The sign-in endpoint browsers are sent to (the simulated identity provider). */
export const SIGN_IN_PATH = '/_relay/sts/authorize';

export type PreAuthResult =
  | { readonly kind: 'allowed'; readonly user: string | undefined; readonly setCookie?: string }
  | { readonly kind: 'denied'; readonly error: RelayError; readonly redirectTo?: string };

/**
 * Pre-authentication as App Proxy does it, for apps with `preAuth: relay`: a valid encrypted
 * session cookie, or a valid bearer token (which then opens a session), of a user assigned to the
 * app. Without one, browsers are redirected to sign in and other clients get 401; an unassigned
 * user gets 403. Passthrough apps are allowed as they are.
 */
export async function preAuthenticate(req: IncomingMessage, app: PublishedApp, tokens: TokenService, cookies: SessionCookies): Promise<PreAuthResult> {
  if (app.preAuth === 'passthrough') return { kind: 'allowed', user: undefined };
  const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
  const session = cookie ? cookies.open(cookie) : undefined;
  if (session && session.app === app.name) return assigned(app, session.user) ? { kind: 'allowed', user: session.user } : notAssigned(app, session.user);

  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const verified = bearer ? await tokens.verify(bearer, app.name) : undefined;
  if (verified) {
    if (!assigned(app, verified.user)) return notAssigned(app, verified.user);
    return { kind: 'allowed', user: verified.user, setCookie: cookies.setCookieHeader({ user: verified.user, app: app.name, exp: verified.exp }) };
  }

  const error = new RelayError('auth_required', `sign in to ${app.name} first: POST /_relay/sts/token, then send the token as a bearer`);
  const browser = req.headers.accept?.includes('text/html') ?? false;
  const returnTo = `${app.externalOrigin}${req.url ?? '/'}`;
  return browser
    ? { kind: 'denied', error, redirectTo: `${SIGN_IN_PATH}?app=${encodeURIComponent(app.name)}&return=${encodeURIComponent(returnTo)}` }
    : { kind: 'denied', error };
}

function assigned(app: PublishedApp, user: string): boolean {
  return app.assignedUsers.includes(user);
}

function notAssigned(app: PublishedApp, user: string): PreAuthResult {
  return { kind: 'denied', error: new RelayError('not_assigned', `user ${user} is not assigned to ${app.name}`) };
}
