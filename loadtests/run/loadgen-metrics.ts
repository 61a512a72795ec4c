import http from 'node:http';
import { Counter, Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS } from '../../sim/common/buckets.ts';
import { closeServer, listen } from '../../sim/common/listen.ts';
import { serveOpsPath } from '../../sim/common/ops-server.ts';
import { LoadgenDiscovery } from './loadgen-discovery.ts';

/** The load runner's own metrics (DESIGN 3.4), served on :9600 (see load-args.ts) while a run lasts. */
export class LoadgenMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'loadgen_requests_total',
    help: 'Requests the load runner completed, by profile, scenario and outcome (ok, or the error code).',
    labelNames: ['profile', 'scenario', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'loadgen_latency_seconds',
    help: 'Client latency from the intended send time (coordinated-omission free), by scenario.',
    labelNames: ['scenario'] as const,
    buckets: [...DURATION_BUCKETS],
    registers: [this.registry],
  });
  readonly wsRtt = new Histogram({
    name: 'loadgen_ws_rtt_seconds',
    help: 'WebSocket message round-trip time.',
    buckets: [...DURATION_BUCKETS],
    registers: [this.registry],
  });
  readonly dropped = new Counter({
    name: 'loadgen_dropped_total',
    help: 'Planned requests not sent because too many were in flight (open model), by scenario.',
    labelNames: ['scenario'] as const,
    registers: [this.registry],
  });
  readonly #server = http.createServer((req, res) => {
    if (!serveOpsPath((req.url ?? '/').split('?')[0] ?? '/', { registry: this.registry, isReady: () => true }, res)) res.writeHead(404).end();
  });

  readonly #discovery: LoadgenDiscovery;

  constructor(discovery = new LoadgenDiscovery()) {
    this.#discovery = discovery;
  }

  /**
   * Serves /metrics and lists it for Prometheus (loadgen-discovery.ts) with `labels`; a port already
   * in use is not fatal (the run goes on without it). Undefined, or the port it serves on.
   */
  async start(port: number, host = '127.0.0.1', labels: Record<string, string> = {}): Promise<number | undefined> {
    const bound = await listen(this.#server, port, host).catch(() => undefined);
    if (bound !== undefined) await this.#discovery.register(`${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${bound}`, labels);
    return bound;
  }

  async close(): Promise<void> {
    await this.#discovery.unregister();
    await closeServer(this.#server);
  }
}
