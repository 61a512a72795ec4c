import { buildConnector, Pool, type Dispatcher } from 'undici';
import { DnsCache } from '../../sim/common/dns-cache.ts';

/** Where the load goes: the relay's public origin, and the Host header for each app. */
export interface LoadTarget {
  readonly origin: URL;
  /** Every relay instance's public origin, when the service has several: connections are spread over them. */
  readonly instances?: readonly URL[];
  hostOf(app: string): string;
  /** For an https:// origin: the CA to trust (the sim's relay CA with topology `tls: on`). */
  readonly ca?: string | undefined;
}

/** Answer headers and body within this long, or the request fails as `client_timeout`. */
export const REQUEST_TIMEOUT_MS = 120_000;

/**
 * The HTTP client of a run's open-model scenarios: keep-alive connections from undici pools (no
 * pipelining), which cost about a fifth less CPU per request than node:http's Agent and keep a
 * 2-worker driver on schedule at 14,000 req/s where node:http fell behind (bench:open-model).
 *
 * One pool per app Host: over https a connection keeps the server name (SNI) of its app, as a
 * browser's does, so scenarios of different apps never make each other reconnect. With several
 * relay instances, each new connection goes to the next instance in turn, as Azure's load balancer
 * spreads users over App Proxy's instances (per connection, not per request). `connections` caps
 * each pool's sockets.
 */
export class LoadClient {
  readonly #target: LoadTarget;
  readonly #connections: number;
  readonly #pools = new Map<string, Pool>();
  /** The relay's name, resolved once for all connections rather than per connection. */
  readonly #dns = new DnsCache();
  #nextInstance = 0;

  constructor(target: LoadTarget, connections: number) {
    this.#target = target;
    this.#connections = connections;
  }

  /** The pool that carries requests for `host`. */
  for(host: string): Dispatcher {
    let pool = this.#pools.get(host);
    if (!pool) this.#pools.set(host, (pool = this.#pool()));
    return pool;
  }

  /** Closes every connection now; requests still in flight fail. */
  async destroy(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.destroy()));
  }

  #pool(): Pool {
    const instances = this.#target.instances?.length ? this.#target.instances : [this.#target.origin];
    const connector = buildConnector({ lookup: this.#dns.lookup, ...(this.#target.ca && { ca: this.#target.ca }) });
    return new Pool(this.#target.origin.origin, {
      connections: this.#connections,
      pipelining: 1,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
      connect: (options, callback) => {
        const instance = instances[this.#nextInstance++ % instances.length]!;
        return connector({ ...options, hostname: instance.hostname, port: instance.port }, callback);
      },
    });
  }
}

/**
 * A transport failure's error code, stable across HTTP clients: undici's timeouts are the
 * client's own (`client_timeout`), a connection the other side closed mid-exchange is
 * `ECONNRESET` as node:http names it; system errors keep their code (ECONNREFUSED, EPIPE...).
 */
export function transportErrorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'client_timeout';
    case 'UND_ERR_SOCKET':
      return (err as { cause?: { code?: string } }).cause?.code ?? 'ECONNRESET';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'ETIMEDOUT';
    default:
      return typeof code === 'string' ? code : 'error';
  }
}
