import type { BackoffSettings } from '../../sim/common/backoff.ts';
import type { LatencySummaryMs } from './latency-histogram.ts';

/** What the WebSocket session driver takes and reports. */
export interface WsDriverOptions {
  /**
   * e.g. ws://127.0.0.1:8080/ws/echo; only loopback targets are used by this project. Several:
   * each new connection (reconnects too) takes the next, as a load balancer spreads connections
   * over relay instances.
   */
  readonly url: string | readonly string[];
  /** Host header (the app's external host when connecting to the relay's address). */
  readonly host?: string;
  /** For a wss:// url: the CA to trust. */
  readonly ca?: string;
  readonly sessions: number;
  /** New sessions opened per second while ramping up. */
  readonly rampPerSecond: number;
  /** Messages each session sends per second (0 = none; sessions just stay open). */
  readonly messagesPerSecond: number;
  readonly messageBytes: number;
  readonly reconnect: BackoffSettings;
  /** Called with each round-trip time (ms), e.g. to feed a Prometheus histogram. */
  readonly onRtt?: (ms: number) => void;
}

export interface SessionRecord {
  readonly index: number;
  /** Close codes of unexpected closes, in order. */
  readonly closes: number[];
  readonly dropped: number;
  readonly echoed: number;
  /** Longest wait between two echoes while the session stayed open (ms). */
  readonly maxGapMs: number;
}

export interface WsDriverReport {
  sessions: { target: number; opened: number; open: number; peakOpen: number; failedConnects: number };
  messages: { sent: number; echoed: number };
  rttMs: LatencySummaryMs;
  dropped: number;
  unexpectedCloses: number;
  closeCodes: Record<string, number>;
  reconnected: number;
}
