import type { KeyObject } from 'node:crypto';
import { SignJWT, errors, generateKeyPair, jwtVerify, type CryptoKey } from 'jose';

type KeyPair = { privateKey: CryptoKey | KeyObject; publicKey: CryptoKey | KeyObject };

/** A simulated identity provider inside the relay: ES256 tokens for (user, app). */
export class TokenService {
  readonly issuer: string;
  readonly #privateKey: CryptoKey | KeyObject;
  readonly #publicKey: CryptoKey | KeyObject;
  readonly #ttlSeconds: number;

  private constructor(issuer: string, keys: KeyPair, ttlSeconds: number) {
    this.issuer = issuer;
    this.#privateKey = keys.privateKey;
    this.#publicKey = keys.publicKey;
    this.#ttlSeconds = ttlSeconds;
  }

  /**
   * With `keys`, the service's signing key that every relay instance shares (a token from one
   * verifies at all); without, a fresh pair for this relay alone. A forger's tokens never verify.
   */
  static async create(issuer: string, ttlSeconds: number, keys?: KeyPair): Promise<TokenService> {
    return new TokenService(issuer, keys ?? (await generateKeyPair('ES256')), ttlSeconds);
  }

  sign(user: string, app: string): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(this.issuer)
      .setAudience(app)
      .setSubject(user)
      .setIssuedAt()
      .setExpirationTime(`${this.#ttlSeconds}s`)
      .sign(this.#privateKey);
  }

  /** The user and expiry (epoch s) of a token valid for `app`: issuer, audience and expiry are checked. */
  async verify(token: string, app: string): Promise<{ user: string; exp: number } | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.#publicKey, { issuer: this.issuer, audience: app, algorithms: ['ES256'] });
      if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return undefined;
      return { user: payload.sub, exp: payload.exp };
    } catch (err) {
      if (err instanceof errors.JOSEError) return undefined;
      throw err;
    }
  }
}
