import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export class BackendMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'backend_requests_total',
    help: 'Requests the backend app answered, by route template and status code.',
    labelNames: ['route', 'code'] as const,
    registers: [this.registry],
  });

  readonly wsSessionsActive = new Gauge({
    name: 'backend_ws_sessions_active',
    help: 'WebSocket sessions currently open on the backend app.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
