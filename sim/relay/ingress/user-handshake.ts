import { validateHeaderName, validateHeaderValue, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { RelayError } from '../../protocol/errors.ts';
import type { WebSocketSettings } from '../relay-config.ts';

/** Response headers of the backend's 101 that never reach the user. */
const NOT_FORWARDED = new Set([
  'connection',
  'upgrade',
  'sec-websocket-accept',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
  'content-length',
  'transfer-encoding',
  // The real relay drops cookies set on the upgrade response (its session cookie is its own).
  'set-cookie',
]);

/** Checks a user's upgrade request before anything is dispatched (RFC 6455 §4.2.1). */
export function validateUpgrade(req: IncomingMessage): RelayError | undefined {
  if (req.method !== 'GET') return new RelayError('bad_request', 'a WebSocket upgrade must be a GET');
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return new RelayError('bad_request', 'only WebSocket upgrades are supported');
  if (req.headers['sec-websocket-version'] !== '13') return new RelayError('bad_request', 'Sec-WebSocket-Version must be 13');
  const key = req.headers['sec-websocket-key'];
  if (!key || !/^[+/0-9A-Za-z]{22}==$/.test(key.trim())) return new RelayError('bad_request', 'Sec-WebSocket-Key must be 16 bytes in base64');
  return undefined;
}

/**
 * Completes users' WebSocket handshakes, but only once the backend accepted: the 101 carries the
 * subprotocol the backend chose and its other response headers, minus Set-Cookie.
 */
export class UserHandshake {
  readonly #wss: WebSocketServer;
  readonly #backendAnswer = new WeakMap<IncomingMessage, { protocol: string | undefined; headers: string[] }>();

  constructor(settings: WebSocketSettings) {
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: settings.maxMessageBytes,
      perMessageDeflate: false,
      // Pings are relayed end to end; the backend, not the relay, answers them.
      autoPong: false,
      clientTracking: false,
      handleProtocols: (_offered, req) => this.#backendAnswer.get(req)?.protocol ?? false,
    });
    this.#wss.on('headers', (headers, req) => {
      const answer = this.#backendAnswer.get(req);
      for (let i = 0; answer && i < answer.headers.length; i += 2) headers.push(`${answer.headers[i]}: ${answer.headers[i + 1]}`);
    });
  }

  /** Resolves with the user's WebSocket; rejects if the user's socket is already gone. */
  complete(req: IncomingMessage, socket: Duplex, head: Buffer, backendHead: readonly string[]): Promise<WebSocket> {
    let protocol: string | undefined;
    const headers: string[] = [];
    for (let i = 0; i < backendHead.length; i += 2) {
      // ws writes these raw: a connector must not be able to split the user's 101 response.
      validateHeaderName(backendHead[i]!);
      validateHeaderValue(backendHead[i]!, backendHead[i + 1]!);
      const name = backendHead[i]!.toLowerCase();
      if (name === 'sec-websocket-protocol') protocol = backendHead[i + 1];
      else if (!NOT_FORWARDED.has(name)) headers.push(backendHead[i]!, backendHead[i + 1]!);
    }
    this.#backendAnswer.set(req, { protocol, headers });
    return new Promise((resolve, reject) => {
      if (!socket.writable) return reject(new Error('the user left before the handshake completed'));
      this.#wss.handleUpgrade(req, socket, head, resolve);
    });
  }
}
