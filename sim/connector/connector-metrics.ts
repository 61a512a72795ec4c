import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DURATION_BUCKETS } from '../common/buckets.ts';
import { LINK_ERROR_CODES } from './relay-dialer.ts';

export interface LinkView {
  readonly relayId: string;
  readonly state: string;
}

const LINK_STATES = ['connecting', 'registered'] as const;

/** The connector's metrics (DESIGN 3.4). */
export class ConnectorMetrics {
  readonly registry = new Registry();
  readonly controlChannels: Gauge<'relay' | 'state'>;
  readonly reconnects: Counter;
  readonly inflight: Gauge;
  readonly inflightPeak: Gauge;
  readonly requests: Counter<'app' | 'code'>;
  readonly backendDuration: Histogram<'app'>;
  readonly cpuWait: Histogram<'kind'>;
  readonly cpuLate: Counter;
  readonly bytes: Counter<'direction'>;
  readonly wsTunnelsActive: Gauge;
  readonly linkErrors: Counter<'code'>;
  readonly certificates: Counter<'kind' | 'outcome'>;
  readonly certificateNotAfter: Gauge;

  constructor(links: () => Iterable<LinkView>) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.controlChannels = new Gauge({
      name: 'connector_control_channels',
      help: 'Control channels to each relay, by state (connecting, registered); 2 registered while a renewal rolls a link.',
      labelNames: ['relay', 'state'],
      registers,
      collect() {
        this.reset();
        const all = [...links()];
        for (const link of all) for (const state of LINK_STATES) this.set({ relay: link.relayId, state }, 0);
        // Counted, not set: during a certificate renewal a relay briefly has an old and a new link.
        for (const link of all) if (link.state !== 'closed') this.inc({ relay: link.relayId, state: link.state });
      },
    });
    this.reconnects = new Counter({
      name: 'connector_reconnects_total',
      help: 'Control channels lost and dialled again.',
      registers,
    });
    this.inflight = new Gauge({
      name: 'connector_inflight_requests',
      help: 'Dispatched requests this connector is serving right now.',
      registers,
    });
    this.inflightPeak = new Gauge({
      name: 'connector_inflight_requests_peak',
      help: 'Highest connector_inflight_requests seen since the process started.',
      registers,
    });
    this.requests = new Counter({
      name: 'connector_requests_total',
      help: 'Dispatched requests served, by app and backend status code (or failure code).',
      labelNames: ['app', 'code'],
      registers,
    });
    this.backendDuration = new Histogram({
      name: 'connector_backend_duration_seconds',
      help: 'Time from sending the request to the backend to receiving its response head.',
      labelNames: ['app'],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    this.cpuWait = new Histogram({
      name: 'connector_cpu_wait_seconds',
      help: "Time work waited for a free virtual CPU of the group's capacity model, by kind: request (its fixed cost, once per request) or bytes (a body chunk's cost). Absent with capacity: unlimited.",
      labelNames: ['kind'],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    this.cpuLate = new Counter({
      name: 'connector_cpu_late_total',
      help: 'Virtual CPU work this host finished over 50 ms later than the capacity model: the machine cannot keep up, so figures describe it, not the model.',
      registers,
    });
    this.wsTunnelsActive = new Gauge({
      name: 'connector_ws_tunnels_active',
      help: 'WebSocket sessions this connector is tunnelling to backends right now.',
      registers,
    });
    this.linkErrors = new Counter({
      name: 'connector_link_errors_total',
      help: 'Failed connection attempts to a relay, by cause (proxy_auth_unsupported, relay_untrusted, timeout, ...).',
      labelNames: ['code'],
      registers,
    });
    // Every cause from zero, so a dashboard shows "none" rather than "no data" on a healthy link.
    for (const code of LINK_ERROR_CODES) this.linkErrors.inc({ code }, 0);
    this.certificates = new Counter({
      name: 'connector_certificate_requests_total',
      help: 'Certificate requests to the relay CA: kind "register" or "renew", outcome "ok" or "error".',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.certificateNotAfter = new Gauge({
      name: 'connector_certificate_expiry_timestamp_seconds',
      help: 'When the client certificate in use expires (Unix time); absent without TLS.',
      registers,
    });
    this.bytes = new Counter({
      name: 'connector_bytes_total',
      help: 'Body bytes relayed: "up" is relay to backend (uploads), "down" backend to relay.',
      labelNames: ['direction'],
      registers,
    });
  }
}
