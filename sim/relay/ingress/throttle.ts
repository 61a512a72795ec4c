import { RelayError } from '../../protocol/errors.ts';
import type { RelayLimits } from '../relay-config.ts';
import { TokenBucket } from './token-bucket.ts';

/**
 * The service's throttling (App Proxy: 500 requests/s per app, 750/s per tenant; off unless
 * configured). One bucket per app and one for the whole tenant.
 */
export class Throttle {
  readonly #limits: RelayLimits;
  readonly #apps = new Map<string, TokenBucket>();
  readonly #tenant: TokenBucket | undefined;

  constructor(limits: RelayLimits) {
    this.#limits = limits;
    this.#tenant = limits.tenantRps ? new TokenBucket(limits.tenantRps) : undefined;
  }

  /** Undefined when admitted; otherwise the 429 to answer, with its Retry-After in seconds. */
  check(app: string): { error: RelayError; retryAfterSeconds: number } | undefined {
    if (this.#tenant && !this.#tenant.tryTake()) {
      return {
        error: new RelayError('throttled', `the tenant is over ${this.#limits.tenantRps} requests/s`),
        retryAfterSeconds: this.#tenant.secondsUntilToken(),
      };
    }
    const rate = this.#limits.appRps;
    if (!rate) return undefined;
    let bucket = this.#apps.get(app);
    if (!bucket) this.#apps.set(app, (bucket = new TokenBucket(rate)));
    if (bucket.tryTake()) return undefined;
    return { error: new RelayError('throttled', `app ${app} is over ${rate} requests/s`), retryAfterSeconds: bucket.secondsUntilToken() };
  }
}
