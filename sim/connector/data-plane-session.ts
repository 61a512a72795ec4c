import http2 from 'node:http2';
import type net from 'node:net';
import type { Logger } from '../common/logger.ts';
import { DATA_HEADERS, SESSION_BIND_PATH } from '../protocol/data-plane-paths.ts';

/** Matches the relay's windows so bulk transfers are not throttled by flow control. */
const STREAM_WINDOW = 1 << 20;
const SESSION_WINDOW = 16 << 20;

/**
 * A link's one warm HTTP/2 session to a relay, over a socket the dialer opened: every data-plane
 * stream (body pulls, streamed responses, tunnels) rides on it. It pings every `keepaliveMs`, the
 * control channel having the relay's own heartbeat. `onClose` fires once when it goes.
 */
export function openDataPlane(
  socket: net.Socket,
  options: { secure: boolean; keepaliveMs: number; log: Logger; onClose: () => void },
): http2.ClientHttp2Session {
  const session = http2.connect(`${options.secure ? 'https' : 'http'}://relay`, {
    settings: { initialWindowSize: STREAM_WINDOW },
    createConnection: () => socket,
  });
  session.on('connect', () => session.setLocalWindowSize(SESSION_WINDOW));
  session.on('error', (err) => options.log.debug({ err }, 'data-plane session error'));
  const keepalive = setInterval(() => !session.destroyed && session.ping(() => undefined), options.keepaliveMs || 30_000);
  session.once('close', () => {
    clearInterval(keepalive);
    options.onClose();
  });
  return session;
}

/**
 * Opens a data-plane stream; the headers carry the link's data token. The relay may reset a stream
 * after its user has all it needs (a response whose user left, say) when nothing here listens any
 * more: such a late error is logged, never an unhandled 'error' that ends the connector.
 */
export function openDataStream(
  session: http2.ClientHttp2Session | undefined,
  dataToken: string,
  headers: http2.OutgoingHttpHeaders,
  endStream: boolean,
  log?: Logger,
): http2.ClientHttp2Stream {
  if (!session || session.destroyed) throw new Error('data plane is not connected');
  const stream = session.request({ ...headers, [DATA_HEADERS.token]: dataToken }, { endStream });
  stream.on('error', (err) => log?.debug({ err, path: headers[':path'] }, 'data-plane stream reset'));
  return stream;
}

/** Shows the data token on the session at once (a first stream), so the relay counts it as authenticated. */
export function bindDataPlane(session: http2.ClientHttp2Session | undefined, dataToken: string, log: Logger): void {
  try {
    const stream = openDataStream(session, dataToken, { ':method': 'GET', ':path': SESSION_BIND_PATH }, true, log);
    stream.resume();
  } catch (err) {
    log.debug({ err }, 'data plane not connected at welcome');
  }
}
