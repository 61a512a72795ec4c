import http2 from 'node:http2';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { CONTROL_PATH, DATA_HEADERS, SESSION_BIND_PATH } from '../../sim/protocol/data-plane-paths.ts';
import type { ClientCertificate } from './tls-peer.ts';
import { PROTOCOL_VERSION, type DispatchMessage, type RelayMessage, type WelcomeMessage } from '../../sim/protocol/messages.ts';

export interface PeerTls {
  readonly ca: string;
  readonly control: ClientCertificate;
  readonly data?: ClientCertificate;
}

/**
 * A test peer that speaks the connector protocol by hand, so tests can send what a real connector
 * never would (malformed frames, foreign ids) and watch how the relay answers.
 */
export class ProtocolPeer {
  readonly messages: RelayMessage[] = [];
  readonly dispatches: DispatchMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  welcome!: WelcomeMessage;
  session!: http2.ClientHttp2Session;
  readonly #ws: WebSocket;
  readonly #waiters: (() => void)[] = [];

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as RelayMessage;
      this.messages.push(message);
      if (message.type === 'dispatch') this.dispatches.push(message);
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /**
   * Connects, says hello for `group`, and waits for the welcome. With `tls` (an https:// relay),
   * the control channel presents `tls.control` and the data plane `tls.data` (the same by default).
   */
  static async register(
    connectorUrl: string,
    token: string,
    id: string,
    group: string,
    slots = 10,
    tls?: PeerTls,
    welcomeTimeoutMs = 5000,
  ): Promise<ProtocolPeer> {
    const credentials = (certificate: ClientCertificate | undefined) =>
      tls ? { ca: tls.ca, ...(certificate ? { cert: certificate.certificatePem, key: certificate.keyPem } : {}) } : {};
    const peer = await ProtocolPeer.hello(connectorUrl, token, id, group, slots, credentials(tls?.control));
    peer.welcome = (await peer.next((m) => m.type === 'welcome', welcomeTimeoutMs)) as WelcomeMessage;
    peer.session = http2.connect(connectorUrl, credentials(tls?.data ?? tls?.control));
    peer.session.on('error', () => undefined);
    // As a real connector does: show the data token at once, or the idle session is cut at 10 s.
    // A peer whose data plane uses another connector's certificate (a test of that refusal) does not.
    if (!tls?.data || tls.data === tls.control)
      peer.session
        .request({ ':path': SESSION_BIND_PATH, ':method': 'GET', [DATA_HEADERS.token]: peer.welcome.dataToken }, { endStream: true })
        .on('error', () => undefined)
        .resume();
    return peer;
  }

  /** Connects and says hello without waiting for the answer (which may be a refusal). */
  static async hello(connectorUrl: string, token: string, id: string, group: string, slots = 10, tls: object = {}): Promise<ProtocolPeer> {
    const ws = new WebSocket(connectorUrl.replace(/^http/, 'ws') + CONTROL_PATH, { headers: { authorization: `Bearer ${token}` }, ...tls });
    const peer = new ProtocolPeer(ws);
    await once(ws, 'open');
    peer.sendJson({ type: 'hello', v: PROTOCOL_VERSION, connectorId: id, group, version: 'test', slots, instance: randomBytes(18).toString('base64url') });
    return peer;
  }

  sendRaw(frame: string): void {
    this.#ws.send(frame);
  }

  sendBinary(frame: Buffer): void {
    this.#ws.send(frame, { binary: true });
  }

  sendJson(value: unknown): void {
    this.#ws.send(JSON.stringify(value));
  }

  /** The first received message matching `match`, waiting up to `timeoutMs` for it. */
  async next(match: (m: RelayMessage) => boolean, timeoutMs = 5000): Promise<RelayMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching relay message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.map((m) => m.type))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Opens a data-plane stream with this peer's token; resolves with the relay's status and body. */
  async stream(path: string, method: 'GET' | 'POST', extra: http2.OutgoingHttpHeaders = {}, body?: Buffer): Promise<{ status: number; body: string }> {
    const stream = this.session.request(
      { ':path': path, ':method': method, [DATA_HEADERS.token]: this.welcome.dataToken, ...extra },
      { endStream: body === undefined },
    );
    if (body !== undefined) stream.end(body);
    const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { status: Number(headers[':status']), body: Buffer.concat(chunks).toString() };
  }

  close(): void {
    this.#ws.terminate();
    this.session?.destroy();
  }
}
