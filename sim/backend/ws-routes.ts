import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { BackendMetrics } from './backend-metrics.ts';
import { parseRequestTarget } from '../common/request-guard.ts';

/** A session close as the backend saw it; `GET /ws/closes` lists the most recent ones. */
export interface SeenClose {
  readonly route: string;
  readonly code: number;
  readonly reason: string;
  readonly at: string;
}

const MAX_SEEN_CLOSES = 1000;
/** The ticker skips a tick while this much is still queued to a slow reader. */
const TICKER_MAX_BUFFERED = 4 * 1024 * 1024;
/** `/ws/echo` closes the session when it receives the text `close:<code>:<reason>`. */
const CLOSE_COMMAND = /^close:(\d{4}):(.*)$/s;

/**
 * The backend's WebSocket routes:
 *   /ws/echo                        echoes every message with its type (text stays text)
 *   /ws/ticker?intervalMs=&bytes=   pushes {"seq":n,...} every interval, padded to `bytes`
 *   /ws/reject?status=              refuses the upgrade with that status
 */
export class BackendWebSockets {
  readonly closes: SeenClose[] = [];
  readonly #wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  readonly #metrics: BackendMetrics;

  constructor(metrics: BackendMetrics) {
    this.#metrics = metrics;
    // Apps do set cookies on the upgrade response; the relay must drop them (as the real one does).
    this.#wss.on('headers', (headers) => headers.push('Set-Cookie: backend-ws-session=1; Path=/', 'X-Backend-Upgrade: yes'));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = parseRequestTarget(req.url);
    if (!url) return refuse(socket, 400);
    if (url.pathname === '/ws/reject') return refuse(socket, Number(url.searchParams.get('status') ?? 403));
    if (url.pathname !== '/ws/echo' && url.pathname !== '/ws/ticker') return refuse(socket, 404);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#metrics.wsSessionsActive.inc();
      ws.once('close', (code, reason) => {
        this.#metrics.wsSessionsActive.dec();
        this.#metrics.requests.inc({ route: url.pathname, code: '101' });
        this.closes.push({ route: url.pathname, code, reason: reason.toString(), at: new Date().toISOString() });
        if (this.closes.length > MAX_SEEN_CLOSES) this.closes.shift();
      });
      ws.on('error', () => undefined);
      if (url.pathname === '/ws/echo') echo(ws);
      else ticker(ws, url);
    });
  }

  close(): void {
    for (const client of this.#wss.clients) client.terminate();
  }
}

function echo(ws: WebSocket): void {
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const command = isBinary ? null : CLOSE_COMMAND.exec(data.toString());
    if (command) ws.close(Number(command[1]), command[2]);
    else ws.send(data, { binary: isBinary });
  });
}

function ticker(ws: WebSocket, url: URL): void {
  const intervalMs = clamp(Number(url.searchParams.get('intervalMs') ?? 1000), 1, 3_600_000);
  const bytes = clamp(Number(url.searchParams.get('bytes') ?? 0), 0, 16 * 1024 * 1024);
  let seq = 0;
  let skipped = 0;
  const timer = setInterval(() => {
    if (ws.bufferedAmount > TICKER_MAX_BUFFERED) {
      skipped++;
      return;
    }
    const message = JSON.stringify({ seq: seq++, skipped, at: Date.now() });
    ws.send(bytes > message.length ? message.padEnd(bytes, ' ') : message);
  }, intervalMs);
  ws.once('close', () => clearInterval(timer));
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.floor(value))) : min;
}

function refuse(socket: Duplex, status: number): void {
  const code = status >= 400 && status <= 599 ? status : 403;
  const body = JSON.stringify({ refused: code });
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Refused'}\r\ncontent-type: application/json\r\n` +
      `content-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
  );
}
