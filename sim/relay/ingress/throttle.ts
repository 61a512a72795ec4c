import { RelayError } from '../../protocol/errors.ts';
import type { RelayLimits } from '../relay-config.ts';
import { TokenBucket } from './token-bucket.ts';

/**
 * The service's throttling (App Proxy: 500 requests/s per app, 750/s per tenant; off unless
 * configured). One bucket per app and one for the whole tenant. The limits are the service's, in
 * total: with `instances` relays each enforces an equal share, exact in total while users are
 * spread evenly over the instances, as a network load balancer spreads them (README, "How
 * faithful is this?"; App Proxy does not document how its instances share the budget).
 */
export class Throttle {
  readonly #limits: RelayLimits;
  readonly #share: number;
  readonly #apps = new Map<string, TokenBucket>();
  readonly #tenant: TokenBucket | undefined;

  constructor(limits: RelayLimits, instances = 1) {
    this.#limits = limits;
    this.#share = 1 / instances;
    this.#tenant = limits.tenantRps ? new TokenBucket(limits.tenantRps * this.#share) : undefined;
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
    if (!bucket) this.#apps.set(app, (bucket = new TokenBucket(rate * this.#share)));
    if (bucket.tryTake()) return undefined;
    return { error: new RelayError('throttled', `app ${app} is over ${rate} requests/s`), retryAfterSeconds: bucket.secondsUntilToken() };
  }
}
