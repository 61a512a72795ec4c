import net from 'node:net';

export interface RawExchange {
  /** Everything the server wrote, as text. */
  readonly text: string;
  /** The status line's code, or 0 when nothing came back. */
  readonly status: number;
  /** The whole status line, e.g. `HTTP/1.1 502 Bad Gateway`. */
  readonly statusLine: string;
  /** Whether the server closed the connection within the wait. */
  readonly closed: boolean;
  /** Milliseconds from sending to close (or to the end of the wait). */
  readonly elapsedMs: number;
}

/**
 * Writes `bytes` on a fresh TCP connection exactly as given (what `curl --path-as-is` or a hostile
 * client sends) and collects the answer until the server closes or `waitMs` passes.
 */
export async function rawExchange(port: number, bytes: string, waitMs = 5000): Promise<RawExchange> {
  const socket = net.connect(port, '127.0.0.1');
  const started = Date.now();
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  socket.write(bytes);
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), waitMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  const elapsedMs = Date.now() - started;
  socket.destroy();
  const statusLine = text.split('\r\n', 1)[0] ?? '';
  return { text, status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), statusLine, closed, elapsedMs };
}

/** A GET in raw HTTP/1.1 that asks the server to close afterwards. */
export function rawGet(path: string, host: string | undefined, extra: readonly string[] = []): string {
  return [`GET ${path} HTTP/1.1`, ...(host === undefined ? [] : [`Host: ${host}`]), 'Connection: close', ...extra, '', ''].join('\r\n');
}
