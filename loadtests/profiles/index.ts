import type { Profile } from './profile.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

const echoApp = { groups: [{ name: 'default', connectors: 3 }], apps: [{ name: 'echo', group: 'default' }] };

export const PROFILES: Readonly<Record<string, Profile>> = {
  get: {
    name: 'get',
    measures: 'Latency and throughput of small GETs at a fixed open-model rate (coordinated-omission free).',
    defaults: { durationS: 30, rate: 200, sessions: 0, connections: 50 },
    arrival: 'constant',
    scenarios: [{ name: 'get', kind: 'get', app: 'echo', path: '/echo', share: 1 }],
    thresholds: ['http.error_rate < 0.001', 'http.p99 < 250'],
  },
  'post-stream': {
    name: 'post-stream',
    measures: 'Streamed uploads from a size mix; every byte count and sha256 is checked against the backend.',
    defaults: { durationS: 30, rate: 20, sessions: 0, connections: 50 },
    arrival: 'constant',
    scenarios: [{ name: 'upload', kind: 'post-stream', app: 'echo', share: 1, sizes: [16 * KiB, 256 * KiB, 1 * MiB, 4 * MiB] }],
    thresholds: ['http.error_rate < 0.001', 'verify.failures == 0', 'http.p99 < 2000'],
  },
  download: {
    name: 'download',
    measures: 'Streamed downloads from a size mix, each verified by sha256 on the client.',
    defaults: { durationS: 30, rate: 20, sessions: 0, connections: 50 },
    arrival: 'constant',
    scenarios: [{ name: 'download', kind: 'download', app: 'echo', share: 1, sizes: [16 * KiB, 256 * KiB, 1 * MiB, 8 * MiB] }],
    thresholds: ['http.error_rate < 0.001', 'verify.failures == 0', 'http.p99 < 2000'],
  },
  'ws-sessions': {
    name: 'ws-sessions',
    measures: 'Long-lived WebSocket sessions: round-trip time per message, drops and reconnects.',
    defaults: { durationS: 30, rate: 0, sessions: 1000, connections: 0 },
    arrival: 'constant',
    scenarios: [{ name: 'ws', kind: 'ws', app: 'echo', sessions: 1000, messagesPerSecond: 1, messageBytes: 64 }],
    thresholds: ['ws.dropped == 0', 'ws.p99 < 250'],
  },
  failover: {
    name: 'failover',
    measures:
      'GET, POST and WebSocket traffic through a connector kill (10 s), a pause (25 s) and its resume (35 s): detection, recovery, requests lost in flight, other failures.',
    defaults: { durationS: 45, rate: 150, sessions: 200, connections: 50 },
    arrival: 'constant',
    topology: { ...echoApp, heartbeat: { intervalMs: 1000, missed: 3 }, dispatch: { policy: 'random' as const, queueLimit: 5000, queueTimeoutMs: 10_000 } },
    scenarios: [
      { name: 'get', kind: 'get', app: 'echo', path: '/delay/20', share: 0.8 },
      { name: 'upload', kind: 'post-stream', app: 'echo', share: 0.2, sizes: [8 * KiB, 64 * KiB] },
      { name: 'ws', kind: 'ws', app: 'echo', sessions: 200, messagesPerSecond: 1, messageBytes: 64 },
    ],
    faults: [
      { atS: 10, action: 'kill', target: 'group:default' },
      { atS: 25, action: 'pause', target: 'group:default' },
      { atS: 35, action: 'resume', target: 'group:default' },
    ],
    thresholds: ['failover.detectionMs < 5000', 'http.dropped == 0'],
    // appproxy: a dead connector's accepted requests fail, as on App Proxy; nothing else may.
    // resilient: they are replayed or requeued, so nothing fails.
    failoverThresholds: { appproxy: ['failover.otherFailures == 0'], resilient: ['failover.failedRequests == 0'] },
  },
  queueing: {
    name: 'queueing',
    measures: "Queue wait against offered load as the arrival rate ramps past the group's capacity, overlaid with the M/M/c (Erlang C) prediction.",
    defaults: { durationS: 40, rate: 200, sessions: 0, connections: 50 },
    arrival: 'poisson',
    rampFrom: 0.2,
    queueingModel: true,
    topology: {
      groups: [{ name: 'default', connectors: 2, slots: 4 }],
      apps: [{ name: 'echo', group: 'default' }],
      dispatch: { policy: 'least-pending', queueLimit: 20_000, queueTimeoutMs: 30_000 },
    },
    scenarios: [{ name: 'get', kind: 'get', app: 'echo', path: '/delay/50?dist=exp', share: 1, pattern: 'ramp' }],
    thresholds: ['http.error_rate < 0.05'],
  },
  mixed: {
    name: 'mixed',
    measures: 'A realistic mix: GETs, uploads, downloads and WebSocket sessions at once.',
    defaults: { durationS: 30, rate: 150, sessions: 200, connections: 50 },
    arrival: 'poisson',
    scenarios: [
      { name: 'get', kind: 'get', app: 'echo', path: '/echo', share: 0.7 },
      { name: 'upload', kind: 'post-stream', app: 'echo', share: 0.1, sizes: [16 * KiB, 512 * KiB] },
      { name: 'download', kind: 'download', app: 'echo', share: 0.2, sizes: [16 * KiB, 1 * MiB] },
      { name: 'ws', kind: 'ws', app: 'echo', sessions: 200, messagesPerSecond: 1, messageBytes: 128 },
    ],
    thresholds: ['http.error_rate < 0.001', 'verify.failures == 0', 'http.p99 < 500', 'ws.dropped == 0'],
  },
  soak: {
    name: 'soak',
    measures: 'A long, moderate mix that tracks every process’s memory over time, to expose leaks.',
    defaults: { durationS: 300, rate: 100, sessions: 100, connections: 50 },
    arrival: 'constant',
    trackMemory: true,
    scenarios: [
      { name: 'get', kind: 'get', app: 'echo', path: '/echo', share: 0.9 },
      { name: 'upload', kind: 'post-stream', app: 'echo', share: 0.1, sizes: [64 * KiB] },
      { name: 'ws', kind: 'ws', app: 'echo', sessions: 100, messagesPerSecond: 1, messageBytes: 64 },
    ],
    thresholds: ['http.error_rate < 0.001', 'verify.failures == 0', 'ws.dropped == 0'],
  },
};
