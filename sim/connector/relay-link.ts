import { sendPerTurn } from '../common/send-per-turn.ts';
import { watchRelayHeartbeat } from './relay-heartbeat.ts';
import http2 from 'node:http2';
import type net from 'node:net';
import { WebSocket } from 'ws';
import type { Logger } from '../common/logger.ts';
import { CONTROL_PATH } from '../protocol/data-plane-paths.ts';
import { bindDataPlane, openDataPlane, openDataStream } from './data-plane-session.ts';
import {
  decodeRelayMessage,
  encodeMessage,
  type ConnectorMessage,
  type DispatchMessage,
  type PublishedAppConfig,
  type RelayMessage,
  type WelcomeMessage,
} from '../protocol/messages.ts';
import { Backoff } from '../common/backoff.ts';
import { helloMessage, type ConnectorConfig } from './connector-config.ts';
import type { ConnectorMetrics } from './connector-metrics.ts';
import { LinkError, type RelayDialer } from './relay-dialer.ts';

export type LinkState = 'connecting' | 'registered' | 'closed';

const HANDSHAKE_TIMEOUT_MS = 5000;
const CLOSE_BOUND_MS = 1000;

export interface LinkEvents {
  dispatch(link: RelayLink, message: DispatchMessage): void;
  cancel(link: RelayLink, id: string): void;
  /** Control channel or data plane went down: work dispatched over this link is lost. */
  lost(link: RelayLink): void;
  registered(link: RelayLink): void;
}

/**
 * One connector's outbound connection set to one relay: the control WebSocket plus one warm HTTP/2
 * session that carries every data-plane stream. Either failing takes down both, then the link
 * dials again with jittered backoff. The dialer decides the route (direct or through a forward
 * proxy) and the security (plain, or mutual TLS with this connector's certificate).
 */
export class RelayLink {
  readonly relayId: string;
  readonly apps = new Map<string, PublishedAppConfig>();
  /** The group the relay assigns this connector (welcome, then each configuration pull). */
  group = '';
  /** WebSocket tunnel settings from the relay's welcome. */
  tunnelSettings: WelcomeMessage['websocket'] = { maxMessageBytes: 16 << 20, keepaliveMs: 30_000, highWaterBytes: 1 << 20 };
  #state: LinkState = 'connecting';
  #ws: WebSocket | undefined;
  #session: http2.ClientHttp2Session | undefined;
  #dataToken = '';
  #heartbeat = { intervalMs: 1000, missed: 3 };
  #retry: NodeJS.Timeout | undefined;
  /** What stopped the last attempt, until one registers; shown by `/readyz`. */
  #problem: string | undefined;
  readonly #dialer: RelayDialer;
  readonly #config: ConnectorConfig;
  readonly #metrics: ConnectorMetrics;
  readonly #events: LinkEvents;
  readonly #log: Logger;
  readonly #backoff: Backoff;

  /** This connector process's random identity (hello `instance`), the same on all its links. */
  readonly #instance: string;

  constructor(relayId: string, dialer: RelayDialer, config: ConnectorConfig, metrics: ConnectorMetrics, events: LinkEvents, log: Logger, instance: string) {
    this.relayId = relayId;
    this.#instance = instance;
    this.#dialer = dialer;
    this.#config = config;
    this.#metrics = metrics;
    this.#events = events;
    this.#log = log.child({ relay: relayId });
    this.#backoff = new Backoff(config.reconnect);
  }

  get state(): LinkState {
    return this.#state;
  }

  get problem(): string | undefined {
    return this.#problem;
  }

  start(): void {
    this.#connect();
  }

  send(message: ConnectorMessage): void {
    if (this.#ws?.readyState === WebSocket.OPEN) sendPerTurn(this.#ws, encodeMessage(message));
  }

  /** Sends a binary control frame (an inline response). */
  sendFrame(frame: Buffer): void {
    if (this.#ws?.readyState === WebSocket.OPEN) sendPerTurn(this.#ws, frame);
  }

  /** Opens a data-plane stream to the relay; headers carry this link's data token. */
  openStream(headers: http2.OutgoingHttpHeaders, endStream: boolean): http2.ClientHttp2Stream {
    return openDataStream(this.#session, this.#dataToken, headers, endStream, this.#log);
  }

  /**
   * Stops reconnecting and closes both connections; streams still open are cut. Resolves once the
   * control channel's closing handshake is done, so what was sent before (the last responses of a
   * drain) reached the relay, or after CLOSE_BOUND_MS.
   */
  close(): Promise<void> {
    this.#state = 'closed';
    clearTimeout(this.#retry);
    const [ws, session] = [this.#ws, this.#session];
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve(void session?.destroy());
    return new Promise((resolve) => {
      const done = () => resolve(void (clearTimeout(timer), ws.terminate(), session?.destroy()));
      const timer = setTimeout(done, CLOSE_BOUND_MS);
      ws.once('close', done);
      ws.close(1001, 'connector shutting down');
    });
  }

  #connect(): void {
    if (this.#state === 'closed') return;
    this.#state = 'connecting';
    void Promise.allSettled([this.#dialer.dial('http/1.1'), this.#dialer.dial('h2')]).then(([control, data]) => {
      if (control.status === 'fulfilled' && data.status === 'fulfilled' && this.#state !== 'closed') return this.#open(control.value, data.value);
      for (const socket of [control, data]) if (socket.status === 'fulfilled') socket.value.destroy();
      if (this.#state === 'closed') return;
      const failed = control.status === 'rejected' ? control : (data as PromiseRejectedResult);
      this.#failed(failed.reason as Error);
    });
  }

  /** A dial failed: say why once (not on every retry), count it, and try again later. */
  #failed(err: Error): void {
    const code = err instanceof LinkError ? err.code : 'relay_unreachable';
    this.#metrics.linkErrors.inc({ code });
    if (err.message !== this.#problem) this.#log.error({ code }, err.message);
    this.#problem = err.message;
    this.#scheduleRetry();
  }

  #open(controlSocket: net.Socket, dataSocket: net.Socket): void {
    const scheme = this.#dialer.secure ? 'https' : 'http';
    const { keepaliveMs } = this.tunnelSettings;
    const session = openDataPlane(dataSocket, { secure: this.#dialer.secure, keepaliveMs, log: this.#log, onClose: () => this.#lost(session) });
    this.#session = session;

    const ws = new WebSocket(`${scheme.replace('http', 'ws')}://relay${CONTROL_PATH}`, {
      headers: { authorization: `Bearer ${this.#config.token}` },
      perMessageDeflate: false,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      createConnection: () => controlSocket,
    });
    let opened = false;
    ws.once('open', () => (opened = true));
    ws.once('close', () => {
      // A relay that cuts a verified TLS connection at once has refused our certificate.
      if (!opened && this.#dialer.secure && this.#state !== 'closed') {
        this.#problem =
          'the relay closed the control connection before the WebSocket handshake: most likely our certificate was refused (revoked, expired or not from the relay CA); register again';
      }
    });
    watchRelayHeartbeat(ws, () => this.#heartbeat, this.#log);
    ws.on('open', () => this.send(helloMessage(this.#config, this.#instance)));
    ws.on('message', (data) => this.#onMessage(data.toString()));
    ws.on('unexpected-response', (_req, res) => {
      this.#problem = `the relay refused the control channel with ${res.statusCode}; ${this.#dialer.secure ? 'register the connector first' : 'check the connector token'}`;
      this.#log.error({ status: res.statusCode }, this.#problem);
      ws.terminate();
    });
    ws.on('error', (err) => this.#log.debug({ err }, 'control channel error'));
    ws.on('close', () => this.#lost(session));
    this.#ws = ws;
  }

  /** The group the relay says we serve, and its apps: at the welcome, then at each configuration pull. */
  #configure(group: string, apps: readonly PublishedAppConfig[]): void {
    if (group !== this.group) this.#log.info({ group, previous: this.group || undefined }, 'serving connector group');
    this.group = group;
    this.apps.clear();
    for (const app of apps) this.apps.set(app.name, app);
  }

  #onMessage(raw: string): void {
    let message: RelayMessage;
    try {
      message = decodeRelayMessage(raw);
    } catch (err) {
      this.#log.error({ err }, 'relay sent an invalid control message; reconnecting');
      this.#ws?.terminate();
      return;
    }
    switch (message.type) {
      case 'welcome':
        this.#dataToken = message.dataToken;
        this.#configure(message.group, message.apps);
        this.tunnelSettings = message.websocket;
        this.#heartbeat = message.heartbeat;
        this.#state = 'registered';
        this.#problem = undefined;
        this.#backoff.connected();
        bindDataPlane(this.#session, this.#dataToken, this.#log);
        this.#log.info({ apps: message.apps.length }, 'registered with relay');
        this.#events.registered(this);
        return;
      case 'config':
        return this.#configure(message.group, message.apps);
      case 'dispatch':
        return this.#events.dispatch(this, message);
      case 'cancel':
        return this.#events.cancel(this, message.id);
      case 'error':
        this.#log.error({ code: message.code, detail: message.detail }, 'relay reported a protocol error');
    }
  }

  /** Tears down whichever half is still up, once per connection attempt, and schedules a retry. */
  #lost(session: http2.ClientHttp2Session): void {
    if (session !== this.#session) return; // a stale event from an earlier attempt
    this.#session = undefined;
    const wasRegistered = this.#state === 'registered';
    if (this.#state !== 'closed') this.#ws?.terminate(); // a close() in progress lets its handshake finish
    this.#ws = undefined;
    session.destroy();
    this.#events.lost(this);
    if (this.#state === 'closed') return;
    if (wasRegistered) this.#metrics.reconnects.inc();
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    this.#state = 'connecting';
    const delay = this.#backoff.nextDelayMs();
    this.#log.info({ delayMs: delay, attempt: this.#backoff.attempt }, 'relay link down; reconnecting');
    this.#retry = setTimeout(() => this.#connect(), delay);
  }
}
