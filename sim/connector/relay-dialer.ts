import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { SimError } from '../common/sim-error.ts';

/** Why a connection to a relay could not be made; each code has one next step for the operator. */
export const LINK_ERROR_CODES = [
  'proxy_auth_unsupported',
  'proxy_refused',
  'proxy_unreachable',
  'relay_unreachable',
  'relay_untrusted',
  'handshake_failed',
  'timeout',
] as const;
export type LinkErrorCode = (typeof LINK_ERROR_CODES)[number];

/** Causes that need an operator (proxy or inspection settings); the others may pass on their own. */
const NEEDS_OPERATOR: ReadonlySet<LinkErrorCode> = new Set(['proxy_auth_unsupported', 'proxy_refused', 'relay_untrusted']);

export class LinkError extends SimError<LinkErrorCode> {
  /** The connector dials again either way (settings can change under it); `retryable` says whether waiting alone can help. */
  constructor(code: LinkErrorCode, message: string) {
    super(code, message, { retryable: !NEEDS_OPERATOR.has(code) });
  }
}

/** The client certificate a registered connector presents. */
export interface ClientCredentials {
  readonly certificatePem: string;
  readonly keyPem: string;
}

export interface DialerSettings {
  /** `http://host:port`: reach the relay through this forward proxy with HTTP CONNECT. */
  readonly outboundProxy?: string | undefined;
  /** Relay CA: with it the dialer speaks TLS and trusts only relay certificates signed by it. */
  readonly caCertificatePem?: string | undefined;
  readonly timeoutMs: number;
}

/** OpenSSL verify errors meaning "the certificate we got is not from the relay CA". */
const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Opens one outbound connection from a connector to a relay: TCP, optionally tunnelled through a
 * forward proxy with CONNECT, optionally wrapped in (mutual) TLS. Every failure is a `LinkError`
 * that says what to fix, and every attempt is bounded by `timeoutMs`: an interfering middlebox gives
 * an error, never a hang.
 */
export class RelayDialer {
  /** The relay: the CONNECT authority, and the name its server certificate must carry. */
  readonly #relay: { host: string; port: number };
  /** Where TCP goes first: the proxy or the relay, or the connector's fault proxy in front of either. */
  readonly #firstHop: { host: string; port: number };
  readonly #settings: DialerSettings;
  readonly #credentials: ClientCredentials | undefined;

  /**
   * @param relayUrl the relay's connector endpoint
   * @param firstHopUrl where to open TCP when not the proxy or relay itself (a fault proxy in front)
   */
  constructor(relayUrl: string, settings: DialerSettings, firstHopUrl?: string, credentials?: ClientCredentials) {
    this.#relay = hostPort(relayUrl);
    this.#firstHop = hostPort(firstHopUrl ?? settings.outboundProxy ?? relayUrl);
    this.#settings = settings;
    this.#credentials = credentials;
  }

  get secure(): boolean {
    return this.#settings.caCertificatePem !== undefined;
  }

  /** The same route with another client certificate (after registration or renewal). */
  withCredentials(credentials: ClientCredentials): RelayDialer {
    return new RelayDialer(
      `http://${this.#relay.host}:${this.#relay.port}`,
      this.#settings,
      `http://${this.#firstHop.host}:${this.#firstHop.port}`,
      credentials,
    );
  }

  /** Resolves with a connected socket, speaking `alpn` when TLS is on. */
  async dial(alpn: 'h2' | 'http/1.1'): Promise<net.Socket> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.#settings.timeoutMs);
    const pending: net.Socket[] = [];
    try {
      const raw = await this.#tcp(abort.signal, pending);
      // Small frames must leave at once: Nagle plus delayed ACKs would add tens of ms per response.
      raw.setNoDelay(true);
      return this.secure ? await this.#tls(raw, alpn, abort.signal) : raw;
    } catch (err) {
      for (const socket of pending) socket.destroy();
      if (abort.signal.aborted) {
        throw new LinkError(
          'timeout',
          `no connection to the relay at ${this.#describeRoute()} within ${this.#settings.timeoutMs} ms; check the route and that nothing holds the connection open`,
        );
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  #describeRoute(): string {
    const relay = `${this.#relay.host}:${this.#relay.port}`;
    return this.#settings.outboundProxy ? `${relay} via proxy ${this.#settings.outboundProxy}` : relay;
  }

  #tcp(signal: AbortSignal, pending: net.Socket[]): Promise<net.Socket> {
    if (this.#settings.outboundProxy) return this.#viaProxy(new URL(this.#settings.outboundProxy), signal, pending);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ ...this.#firstHop, noDelay: true });
      pending.push(socket);
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      socket.once('connect', () => resolve(socket));
      socket.once('error', (err) => reject(new LinkError('relay_unreachable', `cannot reach the relay at ${this.#describeRoute()}: ${err.message}`)));
    });
  }

  /** HTTP CONNECT to the proxy; only a 2xx opens the tunnel. */
  #viaProxy(proxy: URL, signal: AbortSignal, pending: net.Socket[]): Promise<net.Socket> {
    const authority = `${this.#relay.host}:${this.#relay.port}`;
    const proxyName = `${proxy.hostname}:${proxy.port || 80}`;
    return new Promise((resolve, reject) => {
      const request = http.request({ ...this.#firstHop, method: 'CONNECT', path: authority, headers: { host: authority }, agent: false, signal });
      const refused = (status: number | undefined) => {
        if (status === 407) {
          return new LinkError(
            'proxy_auth_unsupported',
            `the outbound proxy ${proxyName} answered 407: proxy authentication is not supported; let the connector through the proxy without authentication`,
          );
        }
        return new LinkError(
          'proxy_refused',
          `the outbound proxy ${proxyName} refused CONNECT ${authority} with ${status}; allow that destination in the proxy`,
        );
      };
      request.once('connect', (res, socket, head) => {
        pending.push(socket);
        if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode > 299) return reject(refused(res.statusCode));
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      // Some proxies answer a refused CONNECT as an ordinary response.
      request.once('response', (res) => {
        res.resume();
        reject(refused(res.statusCode));
      });
      request.once('error', (err) => {
        reject(signal.aborted ? err : new LinkError('proxy_unreachable', `cannot reach the outbound proxy ${proxyName}: ${err.message}`));
      });
      request.end();
    });
  }

  #tls(raw: net.Socket, alpn: 'h2' | 'http/1.1', signal: AbortSignal): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        socket: raw,
        host: this.#relay.host,
        ...(net.isIP(this.#relay.host) ? {} : { servername: this.#relay.host }),
        ca: [this.#settings.caCertificatePem!],
        ...(this.#credentials ? { cert: this.#credentials.certificatePem, key: this.#credentials.keyPem } : {}),
        ALPNProtocols: [alpn],
        // Verified below instead, while the peer certificate can still be read for the error.
        rejectUnauthorized: false,
      });
      signal.addEventListener(
        'abort',
        () => {
          socket.destroy();
          reject(new Error('aborted'));
        },
        { once: true },
      );
      socket.once('secureConnect', () => {
        if (socket.authorized) {
          socket.setNoDelay(true);
          return resolve(socket);
        }
        const code = String(socket.authorizationError);
        const issuer = socket.getPeerCertificate()?.issuer?.CN;
        socket.destroy();
        reject(
          UNTRUSTED_CODES.has(code)
            ? new LinkError(
                'relay_untrusted',
                `TLS handshake with the relay failed: its certificate is not signed by the relay CA (${code}${issuer ? `, issued by "${String(issuer)}"` : ''}). ` +
                  'A TLS-inspecting proxy re-signs traffic and breaks the connector certificate; exempt the relay from inspection',
              )
            : new LinkError('handshake_failed', `the relay's certificate failed verification: ${code}`),
        );
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        socket.destroy();
        const closedEarly = err.code === 'ECONNRESET' || /disconnected before secure TLS/.test(err.message);
        const hint = closedEarly
          ? ': the connection closed before the handshake finished; is the relay up, and does anything in the path cut TLS?'
          : `: ${err.message}`;
        reject(signal.aborted ? err : new LinkError('handshake_failed', `TLS handshake with the relay at ${this.#describeRoute()} failed${hint}`));
      });
    });
  }
}

function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 80) };
}
