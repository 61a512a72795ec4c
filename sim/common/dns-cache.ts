import dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

type Resolve = (hostname: string) => Promise<dns.LookupAddress[]>;

interface Entry {
  addresses: dns.LookupAddress[];
  resolvedAt: number;
}

const systemResolve: Resolve = (hostname) => dns.promises.lookup(hostname, { all: true });

/**
 * Host names resolved once and kept, as an operating system's resolver cache would (App Proxy's
 * connector runs on Windows Server, whose DNS Client service caches answers), whereas Node asks
 * getaddrinfo on every new connection, on a 4-thread pool. In the container stack podman's DNS
 * server sometimes stops answering a container (a stalled connector's own lookup of `backend` hung
 * over 25 s), and every new connection queued behind it: requests stalled from 5 s to the whole
 * run. So names are resolved ahead (`warm`) or at their first connection, answered from here
 * after, and refreshed in the background once older than `ttlMs`; a failed refresh keeps the last
 * answer. Used by the connector (backend names) and the load rig (the relay's name). Address
 * literals never get here (Node connects to them without a lookup).
 */
export class DnsCache {
  readonly #entries = new Map<string, Entry>();
  /** Resolutions under way, shared: a burst of new connections to one name asks DNS once. */
  readonly #pending = new Map<string, Promise<dns.LookupAddress[]>>();
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #resolve: Resolve;

  constructor(options: { ttlMs?: number; now?: () => number; resolve?: Resolve } = {}) {
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#now = options.now ?? Date.now;
    this.#resolve = options.resolve ?? systemResolve;
  }

  /** Resolves `hostname` ahead of its first connection; failures are left to that connection. */
  warm(hostname: string): void {
    if (isIP(hostname) !== 0 || hostname.startsWith('[')) return; // an address: nothing to resolve
    if (!this.#entries.has(hostname)) this.#fetch(hostname).catch(() => undefined);
  }

  /** For `net.connect({ lookup })`: answers from the cache, resolving on a miss. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const entry = this.#entries.get(hostname);
    if (entry) {
      if (this.#now() - entry.resolvedAt >= this.#ttlMs && !this.#pending.has(hostname)) this.#refresh(hostname, entry);
      return answer(entry.addresses, options, callback);
    }
    this.#fetch(hostname).then(
      (addresses) => answer(addresses, options, callback),
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };

  #fetch(hostname: string): Promise<dns.LookupAddress[]> {
    let pending = this.#pending.get(hostname);
    if (!pending) {
      pending = this.#resolve(hostname)
        .then((addresses) => {
          this.#entries.set(hostname, { addresses, resolvedAt: this.#now() });
          return addresses;
        })
        .finally(() => this.#pending.delete(hostname));
      this.#pending.set(hostname, pending);
    }
    return pending;
  }

  /** A failed refresh keeps serving the last answer, and tries again only after another `ttlMs`. */
  #refresh(hostname: string, entry: Entry): void {
    this.#fetch(hostname).catch(() => (entry.resolvedAt = this.#now()));
  }
}

/** The answer in the form the caller asked for: every address (`all`), or the first of the family. */
function answer(addresses: readonly dns.LookupAddress[], options: dns.LookupOptions, callback: Parameters<LookupFunction>[2]): void {
  const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
  const matching = family === 0 ? addresses : addresses.filter((a) => a.family === family);
  if (matching.length === 0) {
    const err: NodeJS.ErrnoException = Object.assign(new Error(`no IPv${family} address in the cached answer`), { code: 'ENOTFOUND' });
    return callback(err, '');
  }
  if (options.all) return callback(null, [...matching]);
  callback(null, matching[0]!.address, matching[0]!.family);
}
