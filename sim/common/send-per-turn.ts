import type net from 'node:net';
import type { WebSocket } from 'ws';

/** Sockets corked until the end of this event-loop turn. */
const corked = new WeakSet<net.Socket>();

/**
 * Sends a WebSocket message, coalescing every message sent on the same socket in this event-loop
 * turn into one write (the socket is corked until `setImmediate`). A control channel under load sends
 * many small messages per turn (a dispatch or accept per request); one syscall each was the largest
 * single cost in the profiles of `npm run bench:http`. Order is kept; a quiet channel waits at most
 * for the rest of the turn it is already in.
 */
export function sendPerTurn(ws: WebSocket, data: string | Buffer): void {
  // ws keeps its socket private; without one (not yet open) there is nothing to cork.
  const socket = (ws as unknown as { _socket?: net.Socket })._socket;
  if (socket && !corked.has(socket)) {
    corked.add(socket);
    socket.cork();
    setImmediate(() => {
      corked.delete(socket);
      socket.uncork();
    });
  }
  ws.send(data, { binary: typeof data !== 'string' });
}
