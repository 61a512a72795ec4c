import { readJsonBody, sendJson } from '../common/json-http.ts';
import http from 'node:http';
import type { Logger } from '../common/logger.ts';
import { guardRequests, parseRequestTarget } from '../common/request-guard.ts';
import { closeServer, listen } from '../common/listen.ts';
import type { EventLog } from './event-log.ts';
import type { FaultInjector } from './fault-injector.ts';
import { FaultRequestError, parseFaultRequest } from './fault-request.ts';
import type { TopologyView } from './topology-view.ts';
import { parseRevokeRequest, type RelayRevocation, type RevokeRequest } from './certificate-revocation.ts';

/** What the control API serves. */
export interface ControlTarget {
  view(): TopologyView;
  readonly events: EventLog;
  readonly faults: FaultInjector;
  /** Revokes connector certificates at every relay; undefined when topology `tls` is off. */
  revokeCertificates(request: RevokeRequest): Promise<Record<string, RelayRevocation>> | undefined;
}

/** One Prometheus http_sd target group. */
interface SdTargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

const MAX_BODY_BYTES = 64 * 1024;

function hostPort(url: string): string {
  return new URL(url).host;
}

/** Prometheus HTTP service discovery for every component (DESIGN 3.5 `GET /sd`). */
export function serviceDiscovery(view: TopologyView): SdTargetGroup[] {
  return [
    ...view.relays.map((r) => ({ targets: [hostPort(r.metricsUrl)], labels: { job: 'relay', component: 'relay', instance_id: r.id } })),
    ...view.connectors.map((c) => ({
      targets: [hostPort(c.metricsUrl)],
      labels: { job: 'connector', component: 'connector', instance_id: c.id, group: c.group },
    })),
    ...view.backends.map((b) => ({ targets: [hostPort(b.metricsUrl)], labels: { job: 'backend', component: 'backend', instance_id: b.id } })),
    { targets: [hostPort(view.controlUrl)], labels: { job: 'sim', component: 'controller', instance_id: 'controller' } },
  ];
}

/** The sim control API (:9070): topology, service discovery, faults, the event timeline, metrics. */
export class ControlApi {
  readonly #server: http.Server;
  readonly #host: string;
  readonly #port: number;
  readonly #target: ControlTarget;

  constructor(host: string, port: number, target: ControlTarget, log: Logger) {
    this.#host = host;
    this.#port = port;
    this.#target = target;
    const answer500 = (_req: http.IncomingMessage, res: http.ServerResponse, err: Error) =>
      sendJson(res, 500, { error: `the control API failed: ${err.message}` });
    this.#server = http.createServer(guardRequests(log, (req, res) => this.#handle(req, res), answer500));
  }

  /** Resolves with the control API's URL. */
  async start(): Promise<string> {
    const port = await listen(this.#server, this.#port, this.#host);
    return `http://${this.#host}:${port}`;
  }

  close(): Promise<void> {
    return closeServer(this.#server);
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const json = (status: number, value: unknown): void => sendJson(res, status, value);
    const url = parseRequestTarget(req.url);
    if (!url) return json(400, { error: `malformed request target ${JSON.stringify(req.url?.slice(0, 100))}; try GET /topology` });
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /topology':
        return json(200, this.#target.view());
      case 'GET /sd':
        return json(200, serviceDiscovery(this.#target.view()));
      case 'GET /events':
        return json(200, this.#target.events.list(Number(url.searchParams.get('sinceMs') ?? 0) || 0));
      case 'GET /healthz':
        return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      case 'GET /metrics': {
        const registry = this.#target.events.registry;
        return void res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
      }
      case 'POST /faults':
        return this.#fault(req, json);
      case 'POST /certificates/revoke':
        return this.#revoke(req, json);
      default:
        return json(404, { error: `no route ${route}; try GET /topology, /sd, /events, /metrics, POST /faults or POST /certificates/revoke` });
    }
  }

  async #revoke(req: http.IncomingMessage, json: (status: number, value: unknown) => void): Promise<void> {
    let request: RevokeRequest;
    try {
      request = parseRevokeRequest(await readJsonBody(req, MAX_BODY_BYTES));
    } catch (err) {
      return json(400, { error: (err as Error).message });
    }
    const revoking = this.#target.revokeCertificates(request);
    if (!revoking) return json(409, { error: 'there are no certificates to revoke: topology tls is off' });
    const relays = await revoking;
    const revoked = Object.values(relays).some((r) => r.revoked.length > 0);
    json(revoked ? 200 : 404, { revoked, relays });
  }

  async #fault(req: http.IncomingMessage, json: (status: number, value: unknown) => void): Promise<void> {
    let body: unknown;
    try {
      body = await readJsonBody(req, MAX_BODY_BYTES);
    } catch (err) {
      return json(400, { error: (err as Error).message });
    }
    try {
      const result = await this.#target.faults.inject(parseFaultRequest(body));
      json(200, { ok: true, ...result });
    } catch (err) {
      if (err instanceof FaultRequestError) return json(400, { error: err.message, code: err.code });
      json(409, { error: `the fault could not be applied: ${(err as Error).message}` });
    }
  }
}
