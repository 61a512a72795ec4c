import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { Backoff, type BackoffSettings } from '../../sim/common/backoff.ts';
import { DnsCache } from '../../sim/common/dns-cache.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import type { SessionRecord, WsDriverOptions, WsDriverReport } from './ws-session-types.ts';

export type { SessionRecord, WsDriverOptions, WsDriverReport } from './ws-session-types.ts';

class DriverSession {
  readonly index: number;
  readonly closes: number[] = [];
  readonly outstanding = new Map<number, number>();
  ws: WebSocket | undefined;
  everOpened = false;
  seq = 0;
  dropped = 0;
  echoed = 0;
  lastEchoAt = 0;
  maxGapMs = 0;
  sender: NodeJS.Timeout | undefined;
  retry: NodeJS.Timeout | undefined;
  readonly backoff: Backoff;

  constructor(index: number, reconnect: BackoffSettings) {
    this.index = index;
    this.backoff = new Backoff(reconnect);
  }
}

/**
 * Opens N WebSocket sessions at a ramp rate, sends id-carrying messages at a fixed rate on each,
 * and measures round-trip time per message id into an HDR histogram. Unexpected closes are counted
 * with their codes, messages lost with them are dropped, and sessions reconnect with backoff.
 */
export class WsSessionDriver {
  readonly rtt = new LatencyHistogram();
  readonly #options: WsDriverOptions;
  readonly #sessions: DriverSession[] = [];
  readonly #rampTimers: NodeJS.Timeout[] = [];
  /** Thousands of sessions to one host name: resolved once, not per handshake. */
  readonly #dns = new DnsCache();
  #stopping = false;
  /** Messages start once the ramp is done, so the ramp's handshakes do not colour the RTT. */
  #sendingFrom = 0;
  #open = 0;
  #peakOpen = 0;
  #failedConnects = 0;
  #reconnected = 0;
  /** Connections opened so far: picks the next URL when there are several. */
  #connections = 0;
  #sent = 0;
  readonly #closeCodes: Record<string, number> = {};

  constructor(options: WsDriverOptions) {
    this.#options = options;
  }

  get openSessions(): number {
    return this.#open;
  }

  get messagesSent(): number {
    return this.#sent;
  }

  /** Sessions closed so far, by close code (a copy). */
  get closeCounts(): Record<string, number> {
    return { ...this.#closeCodes };
  }

  /** Sessions reopened so far after a close. */
  get reconnects(): number {
    return this.#reconnected;
  }

  start(): void {
    const spacingMs = 1000 / this.#options.rampPerSecond;
    this.#sendingFrom = performance.now() + this.#options.sessions * spacingMs;
    for (let i = 0; i < this.#options.sessions; i++) {
      const session = new DriverSession(i, this.#options.reconnect);
      this.#sessions.push(session);
      this.#rampTimers.push(setTimeout(() => this.#connect(session), i * spacingMs));
    }
  }

  /** Resolves once `count` sessions are open at the same time, or rejects after `timeoutMs`. */
  async waitForOpen(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#open < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.#open} of ${count} sessions open after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  sessionRecords(): SessionRecord[] {
    return this.#sessions.map((s) => ({ index: s.index, closes: [...s.closes], dropped: s.dropped, echoed: s.echoed, maxGapMs: s.maxGapMs }));
  }

  /** Resets every session's gap tracking (e.g. right before a fault, to measure gaps after it). */
  resetGaps(): void {
    const now = performance.now();
    for (const s of this.#sessions) {
      s.maxGapMs = 0;
      s.lastEchoAt = now;
    }
  }

  /**
   * Stops sending, waits up to `graceMs` for echoes still in flight (the rest count as dropped),
   * then closes every session normally and reports.
   */
  async stop(graceMs = 2000): Promise<WsDriverReport> {
    this.#stopping = true;
    for (const timer of this.#rampTimers) clearTimeout(timer);
    for (const s of this.#sessions) {
      clearInterval(s.sender);
      clearTimeout(s.retry);
    }
    const deadline = Date.now() + graceMs;
    while (this.#sessions.some((s) => s.outstanding.size > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const s of this.#sessions) {
      s.dropped += s.outstanding.size;
      s.outstanding.clear();
    }
    await Promise.all(this.#sessions.map((s) => closeQuietly(s.ws)));
    return this.report();
  }

  report(): WsDriverReport {
    const sum = (pick: (s: DriverSession) => number) => this.#sessions.reduce((total, s) => total + pick(s), 0);
    return {
      sessions: {
        target: this.#options.sessions,
        opened: sum((s) => (s.everOpened ? 1 : 0)),
        open: this.#open,
        peakOpen: this.#peakOpen,
        failedConnects: this.#failedConnects,
      },
      messages: { sent: this.#sent, echoed: sum((s) => s.echoed) },
      rttMs: this.rtt.summary(),
      dropped: sum((s) => s.dropped),
      unexpectedCloses: sum((s) => s.closes.length),
      closeCodes: { ...this.#closeCodes },
      reconnected: this.#reconnected,
    };
  }

  #connect(session: DriverSession): void {
    if (this.#stopping) return;
    const urls = typeof this.#options.url === 'string' ? [this.#options.url] : this.#options.url;
    const ws = new WebSocket(urls[this.#connections++ % urls.length]!, {
      headers: this.#options.host ? { host: this.#options.host } : {},
      perMessageDeflate: false,
      lookup: this.#dns.lookup,
      ...(this.#options.ca ? { ca: this.#options.ca } : {}),
    });
    session.ws = ws;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      if (session.everOpened) this.#reconnected++;
      session.everOpened = true;
      session.backoff.connected();
      session.lastEchoAt = performance.now();
      this.#open++;
      this.#peakOpen = Math.max(this.#peakOpen, this.#open);
      this.#startSending(session, ws);
    });
    ws.on('message', (data: Buffer) => this.#onEcho(session, data));
    ws.on('error', () => {
      if (!opened) this.#failedConnects++;
    });
    ws.on('close', (code: number) => {
      clearInterval(session.sender);
      if (opened) this.#open--;
      if (this.#stopping) return;
      if (opened) {
        session.closes.push(code);
        this.#closeCodes[code] = (this.#closeCodes[code] ?? 0) + 1;
      }
      session.dropped += session.outstanding.size;
      session.outstanding.clear();
      session.retry = setTimeout(() => this.#connect(session), session.backoff.nextDelayMs());
    });
  }

  #startSending(session: DriverSession, ws: WebSocket): void {
    const rate = this.#options.messagesPerSecond;
    if (rate <= 0) return;
    const intervalMs = 1000 / rate;
    const send = () => {
      if (ws.readyState !== ws.OPEN) return;
      const seq = session.seq++;
      const text = `m:${session.index}:${seq}:`;
      session.outstanding.set(seq, performance.now());
      this.#sent++;
      ws.send(text.padEnd(this.#options.messageBytes, 'x'));
    };
    // A random phase spreads sessions over the interval instead of sending in lockstep.
    const rampLeftMs = Math.max(0, this.#sendingFrom - performance.now());
    session.sender = setTimeout(
      () => {
        send();
        session.sender = setInterval(send, intervalMs);
      },
      rampLeftMs + Math.random() * intervalMs,
    );
  }

  #onEcho(session: DriverSession, data: Buffer): void {
    const seq = Number(data.toString('latin1', 0, 40).split(':')[2]);
    const sentAt = session.outstanding.get(seq);
    if (sentAt === undefined) return;
    const now = performance.now();
    session.outstanding.delete(seq);
    session.echoed++;
    this.rtt.recordMs(now - sentAt);
    this.#options.onRtt?.(now - sentAt);
    session.maxGapMs = Math.max(session.maxGapMs, now - session.lastEchoAt);
    session.lastEchoAt = now;
  }
}

function closeQuietly(ws: WebSocket | undefined): Promise<void> {
  if (!ws || ws.readyState === ws.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 2000);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (ws.readyState === ws.OPEN) ws.close(1000, 'driver done');
    else if (ws.readyState === ws.CONNECTING) ws.terminate();
  });
}
