import http2 from 'node:http2';
import net from 'node:net';
import { WebSocket } from 'ws';
import type { Logger } from '../common/logger.ts';
import { CONTROL_PATH, DATA_HEADERS } from '../protocol/data-plane-paths.ts';
import {
  PROTOCOL_VERSION,
  decodeRelayMessage,
  encodeMessage,
  type ConnectorMessage,
  type DispatchMessage,
  type PublishedAppConfig,
  type RelayMessage,
  type WelcomeMessage,
} from '../protocol/messages.ts';
import { Backoff } from '../common/backoff.ts';
import type { ConnectorConfig } from './connector-config.ts';
import type { ConnectorMetrics } from './connector-metrics.ts';

export type LinkState = 'connecting' | 'registered' | 'closed';

const HANDSHAKE_TIMEOUT_MS = 5000;

/** Matches the relay's windows so bulk transfers are not throttled by flow control. */
const STREAM_WINDOW = 1 << 20;
const SESSION_WINDOW = 16 << 20;

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
 * dials again with jittered backoff.
 */
export class RelayLink {
  readonly relayId: string;
  readonly apps = new Map<string, PublishedAppConfig>();
  /** WebSocket tunnel settings from the relay's welcome. */
  tunnelSettings: WelcomeMessage['websocket'] = { maxMessageBytes: 16 << 20, keepaliveMs: 30_000, highWaterBytes: 1 << 20 };
  #state: LinkState = 'connecting';
  #ws: WebSocket | undefined;
  #session: http2.ClientHttp2Session | undefined;
  #dataToken = '';
  #heartbeat = { intervalMs: 1000, missed: 3 };
  #retry: NodeJS.Timeout | undefined;
  readonly #url: string;
  readonly #config: ConnectorConfig;
  readonly #metrics: ConnectorMetrics;
  readonly #events: LinkEvents;
  readonly #log: Logger;
  readonly #backoff: Backoff;

  constructor(relay: { id: string; url: string }, config: ConnectorConfig, metrics: ConnectorMetrics, events: LinkEvents, log: Logger) {
    this.relayId = relay.id;
    this.#url = relay.url.replace(/\/$/, '');
    this.#config = config;
    this.#metrics = metrics;
    this.#events = events;
    this.#log = log.child({ relay: relay.id });
    this.#backoff = new Backoff(config.reconnect);
  }

  get state(): LinkState {
    return this.#state;
  }

  start(): void {
    this.#connect();
  }

  send(message: ConnectorMessage): void {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(encodeMessage(message));
  }

  /** Sends a binary control frame (an inline response). */
  sendFrame(frame: Buffer): void {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(frame, { binary: true });
  }

  /** Opens a data-plane stream to the relay; headers carry this link's data token. */
  openStream(headers: http2.OutgoingHttpHeaders, endStream: boolean): http2.ClientHttp2Stream {
    if (!this.#session || this.#session.destroyed) throw new Error('data plane is not connected');
    return this.#session.request({ ...headers, [DATA_HEADERS.token]: this.#dataToken }, { endStream });
  }

  /** Stops reconnecting and closes both connections; in-flight streams are cut. */
  close(): void {
    this.#state = 'closed';
    clearTimeout(this.#retry);
    this.#ws?.close(1001, 'connector shutting down');
    this.#session?.destroy();
  }

  #connect(): void {
    if (this.#state === 'closed') return;
    this.#state = 'connecting';
    const session = http2.connect(this.#url, {
      settings: { initialWindowSize: STREAM_WINDOW },
      // Small frames must leave at once: Nagle plus delayed ACKs would add tens of ms per response.
      createConnection: (authority: URL) => net.connect({ host: authority.hostname, port: Number(authority.port), noDelay: true }),
    });
    session.on('connect', () => session.setLocalWindowSize(SESSION_WINDOW));
    session.on('error', (err) => this.#log.debug({ err }, 'data-plane session error'));
    session.on('close', () => this.#lost(session));
    this.#session = session;
    // Keepalive on the data-plane hop too (the control channel has the relay's heartbeat).
    const keepalive = setInterval(() => !session.destroyed && session.ping(() => undefined), this.tunnelSettings.keepaliveMs || 30_000);
    session.once('close', () => clearInterval(keepalive));

    const ws = new WebSocket(this.#url.replace(/^http/, 'ws') + CONTROL_PATH, {
      headers: { authorization: `Bearer ${this.#config.token}` },
      perMessageDeflate: false,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    });
    this.#watchRelayHeartbeat(ws);
    ws.on('open', () =>
      this.send({
        type: 'hello',
        v: PROTOCOL_VERSION,
        connectorId: this.#config.id,
        group: this.#config.group,
        version: this.#config.version,
        slots: this.#config.slots,
      }),
    );
    ws.on('message', (data) => this.#onMessage(data.toString()));
    ws.on('unexpected-response', (_req, res) => {
      this.#log.error({ status: res.statusCode }, 'relay refused the control channel; check the connector token');
      ws.terminate();
    });
    ws.on('error', (err) => this.#log.debug({ err }, 'control channel error'));
    ws.on('close', () => this.#lost(session));
    this.#ws = ws;
  }

  /**
   * The relay pings every heartbeat interval. A connector that hears none for one interval more
   * than the relay allows itself assumes a silent failure and dials again (as cloudflared does).
   */
  #watchRelayHeartbeat(ws: WebSocket): void {
    let lastPing = Date.now();
    ws.on('ping', () => (lastPing = Date.now()));
    let timer: NodeJS.Timeout | undefined;
    ws.once('open', () => {
      lastPing = Date.now();
      timer = setInterval(() => {
        const { intervalMs, missed } = this.#heartbeat;
        if (Date.now() - lastPing > intervalMs * (missed + 1)) {
          this.#log.warn('no heartbeat from the relay; reconnecting');
          ws.terminate();
        }
      }, this.#heartbeat.intervalMs);
    });
    ws.once('close', () => clearInterval(timer));
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
        this.apps.clear();
        for (const app of message.apps) this.apps.set(app.name, app);
        this.tunnelSettings = message.websocket;
        this.#heartbeat = message.heartbeat;
        this.#state = 'registered';
        this.#backoff.connected();
        this.#log.info({ apps: message.apps.length }, 'registered with relay');
        this.#events.registered(this);
        return;
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
    this.#ws?.terminate();
    this.#ws = undefined;
    session.destroy();
    this.#events.lost(this);
    if (this.#state === 'closed') return;
    this.#state = 'connecting';
    if (wasRegistered) this.#metrics.reconnects.inc();
    const delay = this.#backoff.nextDelayMs();
    this.#log.info({ delayMs: delay, attempt: this.#backoff.attempt }, 'relay link down; reconnecting');
    this.#retry = setTimeout(() => this.#connect(), delay);
  }
}
