import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';

/** Opens a WebSocket to `origin` (the relay's public URL) for `host`; resolves once open. */
export async function openWs(
  origin: string,
  host: string,
  path: string,
  options: { protocols?: string[]; headers?: Record<string, string> } = {},
): Promise<{ ws: WebSocket; upgrade: IncomingMessage }> {
  const ws = new WebSocket(origin.replace(/^http/, 'ws') + path, options.protocols ?? [], { headers: { host, ...options.headers }, perMessageDeflate: false });
  const upgrade = new Promise<IncomingMessage>((resolve) => ws.once('upgrade', resolve));
  await once(ws, 'open');
  return { ws, upgrade: await upgrade };
}

/** Attempts an upgrade that should be refused; resolves with the HTTP status the client saw. */
export function refusedUpgrade(origin: string, host: string, path: string): Promise<{ status: number; headers: IncomingMessage['headers'] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(origin.replace(/^http/, 'ws') + path, { headers: { host } });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.resume();
      ws.terminate();
    });
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('error', (err) => reject(err));
  });
}

export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}
