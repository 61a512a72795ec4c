import http from 'node:http';
import type { Logger } from '../common/logger.ts';
import { closeServer, listen } from '../common/listen.ts';
import { serveOpsPath } from '../common/ops-server.ts';
import { guardRequests, guardUpgrades, parseRequestTarget } from '../common/request-guard.ts';
import { BackendMetrics } from './backend-metrics.ts';
import { ROUTES, sendJson, type Route, type RouteContext } from './backend-routes.ts';
import { BackendWebSockets } from './ws-routes.ts';
import { serveAppService, ServiceSampler, type AppService } from './app-service.ts';

export interface BackendOptions {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** Serve the ops paths to relayed requests too (see BackendConfig). */
  readonly publishOps?: boolean;
  /** Apps with their own service time and response sizes, by name (see AppService). */
  readonly services?: Readonly<Record<string, AppService>>;
}

/** `/apps/<name>` and everything under it: the internal URL of an app with a `service`. */
const APP_SERVICE_PATH = /^\/apps\/([^/]+)(?:\/|$)/;

/**
 * One request's RouteContext. A class rather than an object literal with a getter: built per
 * request as a literal, it kept each request's objects alive through young-generation GCs
 * (measured standalone, autocannon -c 50 on GET /echo: 3.3 KB per request promoted to the old
 * generation, scavenges 12 % of the time, 42 µs CPU per request; with this class next to nothing
 * promoted, scavenges 1 %, 21 µs).
 */
class RequestContext implements RouteContext {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly url: URL;
  readonly param: string;
  /** Made only for the routes that read it: an AbortController per request was 8 % of this
   * process's CPU in the profile of `npm run bench:http`, where the backend serves every target. */
  #controller: AbortController | undefined;

  constructor(req: http.IncomingMessage, res: http.ServerResponse, url: URL, param: string) {
    this.req = req;
    this.res = res;
    this.url = url;
    this.param = param;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      this.abortIfClientLeft();
    }
    return this.#controller.signal;
  }

  /** Aborts the signal, if one was made, when the client went away before the response finished. */
  abortIfClientLeft(): void {
    if (this.res.closed && !this.res.writableFinished) this.#controller?.abort();
  }
}

/** The internal app behind the connectors: test routes plus its own `/metrics` (DESIGN 3.2). */
export class BackendServer {
  readonly metrics = new BackendMetrics();
  readonly #options: BackendOptions;
  readonly #log: Logger;
  readonly #server: http.Server;
  readonly #webSockets: BackendWebSockets;
  readonly #serviceRoutes: ReadonlyMap<string, Route>;

  constructor(options: BackendOptions, log: Logger) {
    this.#options = options;
    this.#serviceRoutes = new Map(
      Object.entries(options.services ?? {}).map(([name, spec]) => {
        const sampler = new ServiceSampler(spec);
        return [name, { template: `/apps/${name}`, pattern: APP_SERVICE_PATH, handle: (ctx) => serveAppService(ctx, sampler) }];
      }),
    );
    this.#log = log;
    const answer500 = (_req: http.IncomingMessage, res: http.ServerResponse, err: Error) => sendJson(res, 500, { error: `backend failed: ${err.message}` });
    this.#server = http.createServer(guardRequests(log, (req, res) => this.#handle(req, res), answer500));
    this.#webSockets = new BackendWebSockets(this.metrics);
    this.#server.on(
      'upgrade',
      guardUpgrades(log, (req, socket, head) => this.#webSockets.handleUpgrade(req, socket, head)),
    );
    // Long downloads and slow uploads are the point of this app; no server-side request timeout.
    this.#server.requestTimeout = 0;
    this.#server.keepAliveTimeout = 65_000;
  }

  async start(): Promise<number> {
    return listen(this.#server, this.#options.port, this.#options.host);
  }

  async close(): Promise<void> {
    this.#webSockets.close();
    await closeServer(this.#server);
  }

  destroy(): void {
    this.#server.closeAllConnections();
    this.#server.close();
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = parseRequestTarget(req.url);
    if (!url) {
      this.#count('malformed', res, 400);
      return sendJson(res, 400, { error: `malformed request target ${JSON.stringify(req.url?.slice(0, 100))}` });
    }
    const relayed = req.headers['x-forwarded-for'] !== undefined;
    if ((!relayed || this.#options.publishOps) && serveOpsPath(url.pathname, { registry: this.metrics.registry, isReady: () => true }, res)) return;
    if (url.pathname === '/ws/closes') return sendJson(res, 200, this.#webSockets.closes);
    const match = this.#match(url.pathname);
    if (!match) {
      this.#count('unmatched', res, 404);
      sendJson(res, 404, { error: `no route for ${url.pathname}` });
      return;
    }
    const [route, param] = match;
    const ctx = new RequestContext(req, res, url, param);
    res.once('close', () => {
      ctx.abortIfClientLeft();
      this.metrics.requests.inc({ route: route.template, code: String(res.statusCode) });
    });
    Promise.resolve()
      .then(() => route.handle(ctx))
      .catch((err: Error) => this.#fail(res, err));
  }

  #match(path: string): [Route, string] | undefined {
    if (this.#serviceRoutes.size > 0) {
      const app = APP_SERVICE_PATH.exec(path)?.[1];
      const service = app === undefined ? undefined : this.#serviceRoutes.get(app);
      if (service) return [service, app!];
    }
    for (const route of ROUTES) {
      const found = route.pattern.exec(path);
      if (found) return [route, found[1] ?? ''];
    }
    return undefined;
  }

  #count(route: string, res: http.ServerResponse, code: number): void {
    res.once('close', () => this.metrics.requests.inc({ route, code: String(code) }));
  }

  #fail(res: http.ServerResponse, err: Error): void {
    if (err.name === 'AbortError') return; // the client left; nothing to answer
    if (res.headersSent) {
      this.#log.warn({ err }, 'backend route failed mid-response');
      res.destroy(err);
      return;
    }
    sendJson(res, err instanceof RangeError ? 400 : 500, { error: err.message });
  }
}
