import http from 'node:http';
import type { Logger } from '../common/logger.ts';
import { OpsServer } from '../common/ops-server.ts';
import type { DispatchMessage } from '../protocol/messages.ts';
import { BackendCallError, callBackend, type BackendCallContext } from './backend-call.ts';
import { openBackendTunnel } from './backend-tunnel.ts';
import type { ConnectorConfig } from './connector-config.ts';
import { ConnectorMetrics } from './connector-metrics.ts';
import { LinkFaults } from './link-faults.ts';
import { RelayLink, type LinkEvents } from './relay-link.ts';

interface ActiveWork {
  readonly link: RelayLink;
  readonly kind: DispatchMessage['kind'];
  readonly abort: AbortController;
}

/**
 * The connector: dials out to every relay, serves what they dispatch against the backends through
 * a keep-alive pool, and is ready once at least one control channel is registered.
 */
export class Connector {
  readonly metrics: ConnectorMetrics;
  readonly #config: ConnectorConfig;
  readonly #log: Logger;
  readonly #links: RelayLink[] = [];
  readonly #events: LinkEvents;
  readonly #faults = new LinkFaults();
  readonly #active = new Map<string, ActiveWork>();
  /** HTTP requests in `#active` (tunnels are counted apart and do not hold a drain up). */
  #requestsInFlight = 0;
  readonly #agent: http.Agent;
  readonly #ops: OpsServer;
  readonly #ready: Promise<void>;
  #markReady!: () => void;
  #peak = 0;
  #draining = false;
  #onIdle: (() => void) | undefined;

  constructor(config: ConnectorConfig, log: Logger) {
    this.#config = config;
    this.#log = log;
    this.metrics = new ConnectorMetrics(() => this.#links);
    // One pooled socket per slot; LIFO keeps the warmest sockets busy and lets idle ones expire.
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: config.slots, scheduling: 'lifo' });
    this.#ready = new Promise((resolve) => (this.#markReady = resolve));
    this.#events = {
      dispatch: (link, message) => this.#serve(link, message),
      cancel: (_link, id) => this.#active.get(id)?.abort.abort(),
      lost: (link) => this.#abortLinkWork(link),
      registered: () => this.#markReady(),
    };
    this.#ops = new OpsServer(config.host, config.metricsPort, {
      registry: this.metrics.registry,
      isReady: () => this.#links.some((link) => link.state === 'registered'),
    });
  }

  /** Resolves once a control channel is registered (the `/readyz` condition). */
  get ready(): Promise<void> {
    return this.#ready;
  }

  async start(): Promise<{ metrics: number }> {
    const metrics = await this.#ops.start();
    for (const relay of this.#config.relays) {
      // Every link goes through its own in-process fault proxy, so links can be cut and degraded.
      const url = this.#config.faultProxy ? await this.#faults.front(relay.id, relay.url) : relay.url;
      const link = new RelayLink({ id: relay.id, url }, this.#config, this.metrics, this.#events, this.#log);
      this.#links.push(link);
      link.start();
    }
    return { metrics };
  }

  /** A link-fault command from the sim controller. */
  command(command: unknown): Promise<unknown> {
    if (!this.#config.faultProxy) return Promise.reject(new Error(`connector ${this.#config.id} runs without fault proxies`));
    return this.#faults.apply(command);
  }

  /**
   * Graceful: tell every relay we drain, let in-flight requests finish (bounded), then disconnect.
   * WebSocket tunnels close with 1001 at the end: a long-lived session cannot be waited out.
   */
  async close(): Promise<void> {
    this.#draining = true;
    for (const link of this.#links) link.send({ type: 'drain' });
    await this.#drained(this.#config.drainGraceMs);
    this.destroy();
    await Promise.all([this.#ops.close(), this.#faults.close()]);
  }

  destroy(): void {
    for (const link of this.#links) link.close();
    for (const request of this.#active.values()) request.abort.abort();
    this.#agent.destroy();
  }

  /** Resolves when no request is in flight, or after `graceMs`, whichever comes first. */
  #drained(graceMs: number): Promise<void> {
    if (this.#requestsInFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(finish, graceMs);
      const self = this;
      function finish() {
        clearTimeout(timer);
        self.#onIdle = undefined;
        resolve();
      }
      this.#onIdle = finish;
    });
  }

  #serve(link: RelayLink, message: DispatchMessage): void {
    if (this.#draining) {
      // Crossed our drain on the wire: hand it back so the relay requeues it at the head.
      link.send({ type: 'reject', id: message.id, reason: 'draining' });
      return;
    }
    const app = link.apps.get(message.app);
    const abort = new AbortController();
    this.#active.set(message.id, { link, kind: message.kind, abort });
    if (message.kind === 'http') {
      this.#requestsInFlight++;
      this.#peak = Math.max(this.#peak, this.#requestsInFlight);
      this.metrics.inflight.set(this.#requestsInFlight);
      this.metrics.inflightPeak.set(this.#peak);
    }
    link.send({ type: 'accept', id: message.id });
    const ctx: BackendCallContext = { link, agent: this.#agent, metrics: this.metrics, signal: abort.signal };
    // Inside a promise, so that even a synchronous throw (say, a header Node refuses) is a failed
    // request, never a crashed connector.
    const work = Promise.resolve().then(() => {
      if (!app) throw new BackendCallError('backend_unreachable', `app ${message.app} is not in this connector's configuration`);
      return message.kind === 'ws' ? openBackendTunnel(ctx, message, app, link.tunnelSettings) : callBackend(ctx, message, app);
    });
    work.then(
      (outcome) => this.#done(message, String(outcome)),
      (err: Error) => {
        if (err instanceof BackendCallError) {
          link.send({ type: 'fail', id: message.id, code: err.code, detail: err.message });
          this.#done(message, err.code);
        } else if (abort.signal.aborted) {
          this.#done(message, 'cancelled'); // the relay cancelled it, or the link dropped
        } else {
          // Cut mid-body, or refused before the backend was reached: tell the relay rather than
          // leave the request to its deadline (it ignores a fail for a request already over).
          this.#log.debug({ err, id: message.id }, 'request ended early');
          link.send({ type: 'fail', id: message.id, code: 'backend_unreachable', detail: err.message.slice(0, 400) });
          this.#done(message, 'aborted');
        }
      },
    );
  }

  #done(message: DispatchMessage, code: string): void {
    this.#active.delete(message.id);
    this.metrics.requests.inc({ app: message.app, code });
    if (message.kind !== 'http') return;
    this.#requestsInFlight--;
    this.metrics.inflight.set(this.#requestsInFlight);
    if (this.#requestsInFlight === 0) this.#onIdle?.();
  }

  #abortLinkWork(link: RelayLink): void {
    for (const request of this.#active.values()) if (request.link === link) request.abort.abort();
  }
}
