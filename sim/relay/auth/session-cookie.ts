import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'relay_session';

export interface Session {
  readonly user: string;
  readonly app: string;
  /** Expiry, epoch seconds (from the token that opened the session). */
  readonly exp: number;
}

/**
 * The relay's encrypted session cookie: AES-256-GCM with a key only the service holds (every relay
 * instance of the sim shares it, see service-keys.ts), so the cookie can be neither read nor
 * altered by the user. A tampered, foreign or expired cookie is simply no session.
 */
export class SessionCookies {
  readonly #key: Buffer;
  readonly #secure: boolean;

  /** @param key the service's cookie key (32 bytes); a fresh one when this relay runs alone */
  constructor(secure: boolean, key: Buffer = randomBytes(32)) {
    this.#secure = secure;
    this.#key = key;
  }

  seal(session: Session): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(session)), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  open(value: string, nowSeconds = Date.now() / 1000): Session | undefined {
    const raw = Buffer.from(value, 'base64url');
    if (raw.length < 12 + 16 + 2) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const json = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString();
      const session = JSON.parse(json) as Session;
      return session.exp > nowSeconds ? session : undefined;
    } catch {
      return undefined;
    }
  }

  /** The Set-Cookie value for a session: HttpOnly, expiring with the token, Secure under TLS. */
  setCookieHeader(session: Session, nowSeconds = Date.now() / 1000): string {
    const maxAge = Math.max(0, Math.floor(session.exp - nowSeconds));
    return `${SESSION_COOKIE}=${this.seal(session)}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${this.#secure ? '; Secure' : ''}`;
  }
}

/** The value of cookie `name` in a Cookie header, if present. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A Cookie header without cookie `name` (undefined when nothing is left). */
export function withoutCookie(header: string, name: string): string | undefined {
  const kept = header
    .split(';')
    .filter((part) => part.split('=')[0]?.trim() !== name)
    .map((p) => p.trim())
    .filter(Boolean);
  return kept.length ? kept.join('; ') : undefined;
}
