import http from 'node:http';
import type { Registry } from 'prom-client';
import { closeServer, listen } from './listen.ts';
import type { Logger } from './logger.ts';
import { guardRequests } from './request-guard.ts';

export interface OpsEndpoints {
  readonly registry: Registry;
  /** `/readyz` answers 200 only while this returns true. */
  readonly isReady: () => boolean;
  /** Why the component is not ready, shown in the `/readyz` 503 body so an operator knows what to fix. */
  readonly notReadyReason?: () => string | undefined;
}

/**
 * Serves `/metrics`, `/healthz` or `/readyz` (DESIGN 3.2) when `path` is one of them.
 * Returns false for any other path so a component can mount these next to its own routes.
 */
export function serveOpsPath(path: string, ops: OpsEndpoints, res: http.ServerResponse): boolean {
  if (path === '/metrics') {
    ops.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': ops.registry.contentType }).end(body),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err.message}\n`),
    );
  } else if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  } else if (path === '/readyz') {
    const ready = ops.isReady();
    const reason = ready ? undefined : ops.notReadyReason?.();
    res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : `not ready${reason ? `: ${reason}` : ''}\n`);
  } else {
    return false;
  }
  return true;
}

/** A component's own metrics port: only the ops paths. */
export class OpsServer {
  readonly #server: http.Server;
  readonly #host: string;
  readonly #requestedPort: number;

  constructor(host: string, port: number, ops: OpsEndpoints, log: Logger) {
    this.#host = host;
    this.#requestedPort = port;
    this.#server = http.createServer(
      guardRequests(log, (req, res) => {
        // Only exact ops paths are served; the query is ignored, nothing is parsed as a URL.
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        if (!serveOpsPath(path, ops, res)) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }),
    );
  }

  start(): Promise<number> {
    return listen(this.#server, this.#requestedPort, this.#host);
  }

  close(): Promise<void> {
    return closeServer(this.#server);
  }
}
