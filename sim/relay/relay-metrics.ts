import { HANDSHAKE_REFUSALS } from '../protocol/errors.ts';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DURATION_BUCKETS } from '../common/buckets.ts';

/** What the connector gauges read at scrape time. */
export interface ConnectorView {
  readonly group: string;
  readonly connectorId: string;
  readonly state: string;
  readonly inflightCount: number;
}

const CONNECTOR_STATES = ['active', 'draining'] as const;
/** Why the connector endpoint cut an unauthenticated connection. */
/** Where a lost request was: before its response started (the user gets 502), or mid-response (cut). */
export const LOSS_STAGES = ['before_response', 'mid_response'] as const;
export type LossStage = (typeof LOSS_STAGES)[number];
export const ENDPOINT_REFUSALS = ['handshake_timeout', 'too_many_unauthenticated'] as const;

/** The relay's metrics (DESIGN 3.4). One registry per process, passed down, never global. */
export class RelayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'app' | 'group' | 'method' | 'code'>;
  readonly requestDuration: Histogram<'app' | 'group'>;
  readonly timeToFirstByte: Histogram<'app' | 'group'>;
  readonly queueWait: Histogram<'group'>;
  readonly queueDepth: Gauge<'group'>;
  readonly queueRejected: Counter<'group' | 'reason'>;
  readonly connectors: Gauge<'group' | 'state'>;
  readonly connectorInflight: Gauge<'group' | 'connector'>;
  readonly dispatches: Counter<'group' | 'connector'>;
  readonly bytes: Counter<'app' | 'direction'>;
  readonly protocolErrors: Counter<'code'>;
  readonly throttled: Counter<'app'>;
  readonly retries: Counter<'group' | 'reason'>;
  readonly failovers: Counter<'group' | 'reason'>;
  readonly lostInFlight: Counter<'group' | 'stage'>;
  readonly failoverDetection: Histogram<'group'>;
  readonly wsSessionsActive: Gauge<'app' | 'group'>;
  readonly wsSessions: Counter<'app' | 'group' | 'outcome'>;
  readonly wsMessages: Counter<'app' | 'direction'>;
  readonly handshakesRefused: Counter<'reason'>;
  readonly certificatesIssued: Counter<'kind'>;
  readonly stalls: Counter;
  readonly endpointRefused: Counter<'reason'>;
  readonly idleTimeouts: Counter<'app' | 'direction'>;

  /**
   * @param groups every configured group, so idle groups still report zeros
   * @param liveConnectors registered connectors; connector gauges are computed from them at scrape
   *   time rather than kept in step by hand
   */
  /**
   * Creates every known per-group series at zero, so dashboards and rate() see them from the first
   * scrape rather than only after the first failover or rejection.
   */
  #initialiseGroups(groups: readonly string[]): void {
    for (const group of groups) {
      this.retries.inc({ group, reason: 'connector_lost' }, 0);
      for (const stage of LOSS_STAGES) this.lostInFlight.inc({ group, stage }, 0);
      for (const reason of ['closed', 'heartbeat', 'protocol_error']) this.failovers.inc({ group, reason }, 0);
      for (const reason of ['queue_full', 'no_connector', 'queue_timeout']) this.queueRejected.inc({ group, reason }, 0);
      this.failoverDetection.zero({ group });
      this.queueWait.zero({ group });
    }
  }

  constructor(groups: readonly string[], liveConnectors: () => Iterable<ConnectorView>) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'relay_requests_total',
      help: 'User requests answered by the relay, by app, group, method and final status code.',
      labelNames: ['app', 'group', 'method', 'code'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'relay_request_duration_seconds',
      help: 'Time from the user request arriving to the last response byte written.',
      labelNames: ['app', 'group'],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    this.timeToFirstByte = new Histogram({
      name: 'relay_time_to_first_byte_seconds',
      help: 'Time from the user request arriving to the response head being written.',
      labelNames: ['app', 'group'],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    this.queueWait = new Histogram({
      name: 'relay_queue_wait_seconds',
      help: 'Time a request waited in its group queue for a free connector slot (0 when one was free), observed once per request when a connector accepts it.',
      labelNames: ['group'],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'relay_queue_depth',
      help: 'Requests waiting in the group queue right now.',
      labelNames: ['group'],
      registers,
    });
    this.queueRejected = new Counter({
      name: 'relay_queue_rejected_total',
      help: 'Requests that left the queue without a connector: queue_full, no_connector or queue_timeout.',
      labelNames: ['group', 'reason'],
      registers,
    });
    this.connectors = new Gauge({
      name: 'relay_connectors',
      help: 'Connectors with a registered control channel, by group and state (active, draining).',
      labelNames: ['group', 'state'],
      registers,
      collect() {
        this.reset();
        for (const group of groups) for (const state of CONNECTOR_STATES) this.set({ group, state }, 0);
        for (const c of liveConnectors()) this.inc({ group: c.group, state: c.state });
      },
    });
    this.connectorInflight = new Gauge({
      name: 'relay_connector_inflight',
      help: 'Requests dispatched to a connector and not yet finished (its used slots).',
      labelNames: ['group', 'connector'],
      registers,
      collect() {
        this.reset();
        for (const c of liveConnectors()) this.set({ group: c.group, connector: c.connectorId }, c.inflightCount);
      },
    });
    this.dispatches = new Counter({
      name: 'relay_dispatch_total',
      help: 'Requests dispatched to each connector.',
      labelNames: ['group', 'connector'],
      registers,
    });
    this.bytes = new Counter({
      name: 'relay_bytes_total',
      help: 'Body bytes relayed per app: direction "up" is user to backend, "down" backend to user.',
      labelNames: ['app', 'direction'],
      registers,
    });
    this.retries = new Counter({
      name: 'relay_retries_total',
      help: 'Accepted requests replayed on another connector of the group after theirs died (safe to replay only).',
      labelNames: ['group', 'reason'],
      registers,
    });
    this.lostInFlight = new Counter({
      name: 'relay_requests_lost_total',
      help: 'HTTP requests lost in flight with their connector (502 connector_lost, or a cut response if it had started), once per request.',
      labelNames: ['group', 'stage'],
      registers,
    });
    this.failovers = new Counter({
      name: 'relay_failovers_total',
      help: 'Connectors declared dead, by reason: closed (socket closed), heartbeat (missed pings), protocol_error.',
      labelNames: ['group', 'reason'],
      registers,
    });
    this.failoverDetection = new Histogram({
      name: 'relay_failover_detection_seconds',
      help: "Time from a dead connector's last sign of life (last heartbeat answer, or the socket close) to the relay declaring it dead.",
      labelNames: ['group'],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    this.wsSessionsActive = new Gauge({
      name: 'relay_ws_sessions_active',
      help: 'WebSocket sessions open through the relay now.',
      labelNames: ['app', 'group'],
      registers,
    });
    this.wsSessions = new Counter({
      name: 'relay_ws_sessions_total',
      help: 'WebSocket sessions ended, by outcome: closed, connector_lost, idle_timeout, max_duration, message_too_big, rejected, user_gone.',
      labelNames: ['app', 'group', 'outcome'],
      registers,
    });
    this.wsMessages = new Counter({
      name: 'relay_ws_messages_total',
      help: 'WebSocket messages relayed: direction "up" user to backend, "down" backend to user.',
      labelNames: ['app', 'direction'],
      registers,
    });
    this.throttled = new Counter({
      name: 'relay_throttled_total',
      help: 'Requests answered 429 throttled: over the app or tenant rate limit.',
      labelNames: ['app'],
      registers,
    });
    this.protocolErrors = new Counter({
      name: 'relay_protocol_errors_total',
      help: 'Control or data-plane protocol violations by connectors; each closes the offending channel.',
      labelNames: ['code'],
      registers,
    });
    this.handshakesRefused = new Counter({
      name: 'relay_connector_handshakes_refused_total',
      help: 'Connector TLS connections cut right after the handshake, by reason (unknown_ca, expired, revoked, no_certificate, ...).',
      labelNames: ['reason'],
      registers,
    });
    this.certificatesIssued = new Counter({
      name: 'relay_connector_certificates_issued_total',
      help: 'Connector client certificates the relay CA signed: kind "register" or "renew".',
      labelNames: ['kind'],
      registers,
    });
    this.stalls = new Counter({
      name: 'relay_stalls_total',
      help: 'Times the relay itself stalled (its heartbeat timer fired over half an interval late); connectors are not blamed for these.',
      registers,
    });
    this.endpointRefused = new Counter({
      name: 'relay_connector_endpoint_refused_total',
      help: 'Unauthenticated connections to the connector endpoint cut: reason "handshake_timeout" (no credential in time) or "too_many_unauthenticated" (over the cap).',
      labelNames: ['reason'],
      registers,
    });
    this.idleTimeouts = new Counter({
      name: 'relay_idle_timeouts_total',
      help: 'Requests ended because no byte moved for idleTimeoutMs: direction "up" (a stalled upload) or "down" (a user not reading).',
      labelNames: ['app', 'direction'],
      registers,
    });
    for (const reason of HANDSHAKE_REFUSALS) this.handshakesRefused.inc({ reason }, 0);
    for (const reason of ENDPOINT_REFUSALS) this.endpointRefused.inc({ reason }, 0);
    this.#initialiseGroups(groups);
  }
}
