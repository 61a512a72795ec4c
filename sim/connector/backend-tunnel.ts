import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { bridgeWebSocket, type BridgeOutcome } from '../common/ws-tunnel-bridge.ts';
import { DATA_HEADERS, dataPlanePath } from '../protocol/data-plane-paths.ts';
import type { DispatchMessage, PublishedAppConfig, WelcomeMessage } from '../protocol/messages.ts';
import { BackendCallError, backendUrl, classify, returnResponse, type BackendCallContext } from './backend-call.ts';

const KEEPALIVE_PAYLOAD = Buffer.from('connector-keepalive');
/** Our side of the handshake is made anew to the backend; these belong to the user's handshake. */
const HANDSHAKE_HEADERS = new Set(['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol']);

export type TunnelSettings = WelcomeMessage['websocket'];

/**
 * Serves a dispatch of kind `ws`: opens the backend WebSocket first, and only once the backend
 * accepted opens the tunnel stream to the relay, which then completes the user's handshake. A
 * backend refusal (403, 404, ...) goes back as an ordinary response. Resolves when the session ends.
 */
export async function openBackendTunnel(
  ctx: BackendCallContext,
  message: DispatchMessage,
  app: PublishedAppConfig,
  settings: TunnelSettings,
): Promise<BridgeOutcome | number> {
  const { headers, protocols } = handshakeHeaders(message.headers, backendUrl(app, '/').host);
  const target = backendUrl(app, message.path);
  const url = ctx.route ? await ctx.route(target) : target;
  if (ctx.cancellation.cancelled) throw new Error('cancelled before the backend was dialled');
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const backend = new WebSocket(url, protocols, {
    headers,
    perMessageDeflate: false,
    autoPong: false,
    maxPayload: settings.maxMessageBytes,
    handshakeTimeout: app.backendTimeoutMs,
    lookup: ctx.lookup,
  });
  let upgradeHead: string[] = [];
  return new Promise((resolve, reject) => {
    let opened = false;
    ctx.cancellation.onCancel(() => (opened ? backend.close(1001, 'relay link lost') : backend.terminate()));
    backend.once('upgrade', (res: IncomingMessage) => (upgradeHead = res.rawHeaders));
    backend.once('unexpected-response', (req, res: IncomingMessage) => {
      returnResponse(ctx, message.id, res)
        .then(resolve, reject)
        .finally(() => req.destroy());
    });
    backend.once('error', (err) => {
      if (!opened) reject(err.message.includes('timed out') ? new BackendCallError('backend_timeout', err.message) : classify(err));
    });
    backend.once('open', () => {
      opened = true;
      const tunnel = ctx.link.openStream(
        { ':method': 'POST', ':path': dataPlanePath(message.id, 'tunnel'), [DATA_HEADERS.head]: JSON.stringify(upgradeHead) },
        false,
      );
      tunnel.on('error', () => undefined); // the bridge sees the close and reports it
      ctx.metrics.wsTunnelsActive.inc();
      bridgeWebSocket(backend, tunnel, {
        maxMessageBytes: settings.maxMessageBytes,
        highWaterBytes: settings.highWaterBytes,
        keepaliveMs: settings.keepaliveMs,
        keepalivePayload: KEEPALIVE_PAYLOAD,
        tunnelLost: { code: 1001, reason: 'relay connection lost' },
        idleTimeoutMs: 0,
        maxSessionMs: 0,
        // Each message's bytes cost CPU in the capacity model, as an HTTP body's do.
        ...(ctx.cpu && { cost: (bytes: number) => ctx.cpu!.bytes(bytes) }),
      }).then((result) => {
        ctx.metrics.wsTunnelsActive.dec();
        resolve(result.outcome);
      });
    });
  });
}

/** The user's headers as the backend handshake's headers, and the subprotocols the user offered. */
function handshakeHeaders(raw: readonly string[], host: string): { headers: Record<string, string>; protocols: string[] } {
  const headers: Record<string, string> = { host };
  const protocols: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (name === 'sec-websocket-protocol')
      protocols.push(
        ...value
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
      );
    if (HANDSHAKE_HEADERS.has(name) || name === 'host') continue;
    headers[name] = name in headers ? `${headers[name]}${name === 'cookie' ? '; ' : ', '}${value}` : value;
  }
  return { headers, protocols };
}
