import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../common/logger.ts';
import { OpsServer } from '../common/ops-server.ts';
import type { DispatchMessage } from '../protocol/messages.ts';
import { requestCallContext, type SharedCallContext } from './backend-call.ts';
import { runDispatch } from './run-dispatch.ts';
import type { ConnectorConfig } from './connector-config.ts';
import { ConnectorMetrics } from './connector-metrics.ts';
import { LinkFaults } from './link-faults.ts';
import { RelayLink, type LinkEvents } from './relay-link.ts';
import { CertificateKeeper } from './certificate-keeper.ts';
import { RelayDialer } from './relay-dialer.ts';
import { ConnectorSlots } from './connector-slots.ts';
import { modelledCpus } from './virtual-cpus.ts';
import { Cancellation } from './cancellation.ts';
import { DnsCache } from '../common/dns-cache.ts';

interface ActiveWork {
  readonly link: RelayLink;
  readonly kind: DispatchMessage['kind'];
  readonly cancellation: Cancellation;
}

/** How to reach one relay: its id and a dialer without client credentials. */
interface RelayRoute {
  readonly relayId: string;
  readonly dialer: RelayDialer;
}

/**
 * The connector: dials out to every relay, serves what they dispatch against the backends through
 * a keep-alive pool, and is ready once at least one control channel is registered. With TLS it
 * registers first (administrator token + CSR), and renews its certificate by rolling each link:
 * a new link with the new certificate registers, then the old one drains and closes.
 */
export class Connector {
  readonly metrics: ConnectorMetrics;
  readonly #config: ConnectorConfig;
  readonly #log: Logger;
  /** Drawn once per process: proves to the relays that all our links are one connector. */
  readonly #instance = randomBytes(18).toString('base64url');
  readonly #links: RelayLink[] = [];
  readonly #routes: RelayRoute[] = [];
  /** New link → the link it replaces once it registers (certificate renewal). */
  readonly #replaces = new Map<RelayLink, RelayLink>();
  /** Links draining after a renewal: no new work; closed when their work is done. */
  readonly #retiring = new Set<RelayLink>();
  /** With TLS: registration and renewal of this connector's client certificate. */
  #certificates: CertificateKeeper | undefined;
  readonly #events: LinkEvents;
  readonly #faults: LinkFaults;
  /** What every backend call shares: the pool, name cache, distance route and capacity model. */
  readonly #backendCalls: SharedCallContext;
  readonly #active = new Map<string, ActiveWork>();
  /** Slots of the HTTP requests in `#active`, across all relays (tunnels take none and do not hold a drain up). */
  readonly #slots: ConnectorSlots;
  /** Backend names, resolved when the relay names the apps rather than on each new connection; absent at TTL 0. */
  readonly #dns: DnsCache | undefined;
  readonly #ops: OpsServer;
  readonly #ready: Promise<void>;
  #markReady!: () => void;
  #draining = false;
  /** Pulls the configuration (group, apps) from every relay each `configRefreshMs`. */
  #pulls: NodeJS.Timeout | undefined;

  constructor(config: ConnectorConfig, log: Logger) {
    this.#config = config;
    this.#log = log;
    this.#faults = new LinkFaults(config.network);
    this.metrics = new ConnectorMetrics(() => this.#links);
    this.#slots = new ConnectorSlots(config.slots, { inUse: this.metrics.inflight, peak: this.metrics.inflightPeak });
    this.#dns = config.dnsCacheTtlMs > 0 ? new DnsCache({ ttlMs: config.dnsCacheTtlMs }) : undefined;
    // One pooled socket per slot; LIFO keeps the warmest sockets busy and lets idle ones expire.
    this.#backendCalls = {
      agent: new http.Agent({ keepAlive: true, maxSockets: config.slots, scheduling: 'lifo', lookup: this.#dns?.lookup }),
      lookup: this.#dns?.lookup,
      metrics: this.metrics,
      // Through the connector↔backend distance proxy when the topology sets one; the group's capacity model when it has one.
      route: config.network.backends ? (url) => this.#faults.backendRoute(url) : undefined,
      cpu: config.capacity && modelledCpus(config.capacity, this.metrics, log),
    };
    this.#ready = new Promise((resolve) => (this.#markReady = resolve));
    this.#events = {
      dispatch: (link, message) => this.#serve(link, message),
      cancel: (_link, id) => this.#active.get(id)?.cancellation.cancel(),
      lost: (link) => {
        this.#abortLinkWork(link);
        if (this.#retiring.has(link)) this.#closeRetired(link);
      },
      registered: (link) => {
        for (const app of link.apps.values()) this.#dns?.warm(new URL(app.internalUrl).hostname);
        this.#markReady();
        const replaced = this.#replaces.get(link);
        if (replaced) this.#retire(replaced, link);
      },
    };
    const ops = {
      registry: this.metrics.registry,
      isReady: () => this.#links.some((link) => link.state === 'registered'),
      // What `/readyz` says is wrong: the certificate, or each link's last problem.
      notReadyReason: () => this.#certificates?.problem ?? this.#links.flatMap((link) => (link.problem ? [`${link.relayId}: ${link.problem}`] : [])).join('; '),
    };
    this.#ops = new OpsServer(config.host, config.metricsPort, ops, this.#log);
  }

  /** Resolves once a control channel is registered (the `/readyz` condition). */
  get ready(): Promise<void> {
    return this.#ready;
  }

  async start(): Promise<{ metrics: number }> {
    const metrics = await this.#ops.start();
    const { outboundProxy, tls, dialTimeoutMs } = this.#config;
    for (const relay of this.#config.relays) {
      // Every link goes through its own in-process fault proxy, so links can be cut and degraded.
      // Behind a forward proxy it fronts the proxy: CONNECT still names the relay itself.
      const firstHop = this.#config.faultProxy ? await this.#faults.front(relay.id, outboundProxy ?? relay.url) : undefined;
      const settings = { outboundProxy, caCertificatePem: tls?.caCertificatePem, timeoutMs: dialTimeoutMs };
      this.#routes.push({ relayId: relay.id, dialer: new RelayDialer(relay.url, settings, firstHop) });
    }
    if (tls) {
      this.#certificates = new CertificateKeeper({
        connectorId: this.#config.id,
        adminToken: tls.adminToken,
        renewAfterSeconds: tls.renewAfterSeconds,
        retry: this.#config.reconnect,
        dialers: this.#routes,
        metrics: this.metrics,
        log: this.#log,
        onCertificate: (_certificate, kind) => (kind === 'register' ? this.#routes.forEach((route) => this.#openLink(route)) : this.#rollLinks()),
      });
      this.#certificates.start();
    } else {
      for (const route of this.#routes) this.#openLink(route);
    }
    this.#pulls = setInterval(() => this.#links.forEach((link) => link.state === 'registered' && link.send({ type: 'pull' })), this.#config.configRefreshMs);
    return { metrics };
  }

  #openLink(route: RelayRoute): RelayLink {
    const certificate = this.#certificates?.certificate;
    const dialer = certificate ? route.dialer.withCredentials(certificate) : route.dialer;
    const link = new RelayLink(route.relayId, dialer, this.#config, this.metrics, this.#events, this.#log, this.#instance);
    this.#links.push(link);
    link.start();
    return link;
  }

  /**
   * Make before break: one new link per serving link, with the new certificate. Replacements from
   * an earlier renewal that never registered (their relay is down) are superseded, not stacked.
   */
  #rollLinks(): void {
    for (const pending of [...this.#replaces.keys()]) {
      this.#replaces.delete(pending);
      this.#removeLink(pending);
    }
    for (const link of [...this.#links]) {
      if (this.#retiring.has(link)) continue;
      const replacement = this.#openLink(this.#routes.find((r) => r.relayId === link.relayId)!);
      this.#replaces.set(replacement, link);
    }
  }

  /** The replacement registered: the old link takes no new work and closes once its work is done. */
  #retire(link: RelayLink, replacement: RelayLink): void {
    this.#replaces.delete(replacement);
    this.#retiring.add(link);
    link.send({ type: 'drain' });
    this.#closeRetiredIfIdle(link);
  }

  #closeRetiredIfIdle(link: RelayLink): void {
    if (!this.#retiring.has(link)) return;
    for (const work of this.#active.values()) if (work.link === link) return;
    this.#closeRetired(link);
  }

  #closeRetired(link: RelayLink): void {
    this.#retiring.delete(link);
    this.#removeLink(link);
  }

  #removeLink(link: RelayLink): void {
    void link.close();
    const index = this.#links.indexOf(link);
    if (index >= 0) this.#links.splice(index, 1);
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
    await this.#slots.idle(this.#config.drainGraceMs);
    await Promise.all(this.#links.map((link) => link.close()));
    this.destroy();
    await Promise.all([this.#ops.close(), this.#faults.close()]);
  }

  destroy(): void {
    clearInterval(this.#pulls);
    this.#certificates?.close();
    for (const link of this.#links) void link.close();
    for (const request of this.#active.values()) request.cancellation.cancel();
    this.#backendCalls.agent.destroy();
  }

  #serve(link: RelayLink, message: DispatchMessage): void {
    if (this.#draining || this.#retiring.has(link)) {
      // Crossed our drain on the wire: hand it back so the relay requeues it at the head.
      link.send({ type: 'reject', id: message.id, reason: 'draining' });
      return;
    }
    // Full across every relay: this one queues the request until we send `ready`.
    if (message.kind === 'http' && !this.#slots.take(link)) return link.send({ type: 'reject', id: message.id, reason: 'busy' });
    const app = link.apps.get(message.app);
    const cancellation = new Cancellation();
    this.#active.set(message.id, { link, kind: message.kind, cancellation });
    link.send({ type: 'accept', id: message.id });
    const ctx = requestCallContext(this.#backendCalls, link, cancellation);
    void runDispatch(ctx, message, app, link.tunnelSettings, this.#log).then((code) => this.#done(message, code));
  }

  #done(message: DispatchMessage, code: string): void {
    const work = this.#active.get(message.id);
    this.#active.delete(message.id);
    if (work) this.#closeRetiredIfIdle(work.link);
    this.metrics.requests.inc({ app: message.app, code });
    if (message.kind === 'http') this.#slots.free();
  }

  #abortLinkWork(link: RelayLink): void {
    for (const request of this.#active.values()) if (request.link === link) request.cancellation.cancel();
  }
}
