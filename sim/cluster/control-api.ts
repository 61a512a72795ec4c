import http from 'node:http';
import { closeServer, listen } from '../common/listen.ts';
import type { TopologyView } from './sim-cluster.ts';

/** One Prometheus http_sd target group. */
interface SdTargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

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
  ];
}

/** The sim control API (:7070): topology, service discovery, health. */
export class ControlApi {
  readonly #server: http.Server;
  readonly #host: string;
  readonly #port: number;

  constructor(host: string, port: number, view: () => TopologyView) {
    this.#host = host;
    this.#port = port;
    this.#server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const json = (status: number, value: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.method !== 'GET') return json(405, { error: `${req.method} is not supported on ${path}` });
      if (path === '/topology') return json(200, view());
      if (path === '/sd') return json(200, serviceDiscovery(view()));
      if (path === '/healthz') return res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      json(404, { error: `no route ${path}; try /topology, /sd or /healthz` });
    });
  }

  /** Resolves with the control API's URL. */
  async start(): Promise<string> {
    const port = await listen(this.#server, this.#port, this.#host);
    return `http://${this.#host}:${port}`;
  }

  close(): Promise<void> {
    return closeServer(this.#server);
  }
}
