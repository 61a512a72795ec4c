import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { TunnelFrameDecoder, TunnelFrameKind, decodeClose, encodeClose, encodeTunnelFrame, type TunnelFrame } from '../protocol/tunnel-frames.ts';

export interface TunnelBridgeOptions {
  readonly maxMessageBytes: number;
  /** Reading pauses on one side while the other has more than this many bytes queued. */
  readonly highWaterBytes: number;
  /** Ping interval on this hop (0 = off); our own pings' pongs are not forwarded. */
  readonly keepaliveMs: number;
  readonly keepalivePayload: Buffer;
  /** Close code and reason for the WebSocket when the tunnel dies without a close frame. */
  readonly tunnelLost: { readonly code: number; readonly reason: string };
  /** Close the session after this long without a message either way (0 = off). */
  readonly idleTimeoutMs: number;
  /** Close the session after this long in all (0 = off). */
  readonly maxSessionMs: number;
  /** Counts each relayed message: `in` from this WebSocket into the tunnel, `out` the other way. */
  readonly onMessage?: (direction: 'in' | 'out', bytes: number) => void;
  /**
   * The CPU a message costs this hop (the connector's capacity model), awaited before the message
   * is passed on; messages and closes keep their order each way. Absent: passed on at once.
   */
  readonly cost?: (bytes: number) => Promise<void>;
}

export type BridgeOutcome = 'closed' | 'tunnel_lost' | 'idle_timeout' | 'max_duration' | 'message_too_big';

export interface BridgeResult {
  readonly outcome: BridgeOutcome;
  /** The close code this WebSocket saw (1005 none, 1006 abnormal). */
  readonly code: number;
}

/** Codes an endpoint may not put in a close frame (RFC 6455 §7.4.1). */
const RESERVED_CLOSE_CODES = new Set([1004, 1005, 1006, 1015]);
const MAX_REASON_BYTES = 123;
const CLOSE_PAYLOAD_BYTES = 2 + MAX_REASON_BYTES;
const TUNNEL_LINGER_MS = 5000;

/**
 * Bridges one WebSocket to one tunnel stream, both ways: messages (text stays text), pings,
 * pongs, close codes and reasons, in order, with backpressure: reading one side pauses while the
 * other side's buffer is above `highWaterBytes`. Resolves once the WebSocket has closed.
 * Used by the relay (user side) and by the connector (backend side).
 */
export function bridgeWebSocket(ws: WebSocket, tunnel: Duplex, options: TunnelBridgeOptions): Promise<BridgeResult> {
  return new Promise((resolve) => {
    const decoder = new TunnelFrameDecoder(Math.max(options.maxMessageBytes, CLOSE_PAYLOAD_BYTES));
    let outcome: BridgeOutcome | undefined;
    let closeFromTunnel = false;
    let closeIntoTunnel = false;
    let wsPaused = false;
    let tunnelPaused = false;
    let queuedToWs = 0;
    let lastActivity = Date.now();
    // Messages waiting for their CPU cost, each way; the source pauses while too many bytes wait.
    const intoTunnel = costLane(
      options,
      () => ws.pause(),
      () => wsPaused || ws.resume(),
    );
    const intoWs = costLane(
      options,
      () => tunnel.pause(),
      () => tunnelPaused || tunnel.resume(),
    );

    const toTunnel = (kind: TunnelFrameKind, payload: Buffer) => {
      if (tunnel.destroyed || tunnel.writableEnded) return;
      let ok = true;
      for (const part of encodeTunnelFrame(kind, payload)) ok = tunnel.write(part);
      if (!ok && !wsPaused) {
        wsPaused = true;
        ws.pause();
        tunnel.once('drain', () => {
          wsPaused = false;
          ws.resume();
        });
      }
    };
    const sendCloseIntoTunnel = (code: number | undefined, reason: string) => {
      if (closeIntoTunnel) return;
      closeIntoTunnel = true;
      toTunnel(TunnelFrameKind.close, encodeClose(code, reason));
      if (!tunnel.destroyed) tunnel.end();
    };
    const closeWs = (code: number | undefined, reason: string) => {
      if (ws.readyState !== ws.OPEN) return;
      const safeReason = Buffer.from(reason).subarray(0, MAX_REASON_BYTES).toString();
      if (code === undefined) ws.close();
      else ws.close(RESERVED_CLOSE_CODES.has(code) ? 1011 : code, safeReason);
    };
    const endSession = (why: BridgeOutcome, code: number, reason: string) => {
      outcome ??= why;
      sendCloseIntoTunnel(code, reason);
      closeWs(code, reason);
    };
    const released = (bytes: number) => () => {
      queuedToWs -= bytes;
      if (tunnelPaused && queuedToWs < options.highWaterBytes / 2) {
        tunnelPaused = false;
        tunnel.resume();
      }
    };

    const toWs = (frame: TunnelFrame) => {
      if (ws.readyState !== ws.OPEN) return;
      queuedToWs += frame.payload.length;
      ws.send(frame.payload, { binary: frame.kind === TunnelFrameKind.binary }, released(frame.payload.length));
      if (queuedToWs > options.highWaterBytes && !tunnelPaused) {
        tunnelPaused = true;
        tunnel.pause();
      }
    };

    const onFrame = (frame: TunnelFrame) => {
      switch (frame.kind) {
        case TunnelFrameKind.text:
        case TunnelFrameKind.binary:
          lastActivity = Date.now();
          options.onMessage?.('out', frame.payload.length);
          if (intoWs) intoWs(frame.payload.length, () => toWs(frame));
          else toWs(frame);
          return;
        case TunnelFrameKind.ping:
          if (ws.readyState === ws.OPEN) ws.ping(frame.payload);
          return;
        case TunnelFrameKind.pong:
          if (ws.readyState === ws.OPEN) ws.pong(frame.payload);
          return;
        case TunnelFrameKind.close: {
          const { code, reason } = decodeClose(frame.payload);
          closeFromTunnel = true;
          outcome ??= code === 1009 ? 'message_too_big' : 'closed';
          if (intoWs) intoWs(0, () => closeWs(code, reason));
          else closeWs(code, reason);
        }
      }
    };

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      lastActivity = Date.now();
      options.onMessage?.('in', data.length);
      const kind = isBinary ? TunnelFrameKind.binary : TunnelFrameKind.text;
      if (intoTunnel) intoTunnel(data.length, () => toTunnel(kind, data));
      else toTunnel(kind, data);
    });
    ws.on('ping', (data: Buffer) => toTunnel(TunnelFrameKind.ping, data));
    ws.on('pong', (data: Buffer) => {
      if (!data.equals(options.keepalivePayload)) toTunnel(TunnelFrameKind.pong, data);
    });
    ws.on('error', (err: Error & { code?: string }) => {
      // ws has already sent 1009 to its peer; tell the far end the same.
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') endSession('message_too_big', 1009, 'message too big');
    });
    tunnel.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk, onFrame);
      } catch {
        tunnel.destroy();
        endSession('tunnel_lost', 1011, 'malformed tunnel frame');
      }
    });
    const onTunnelGone = () => {
      if (closeFromTunnel) return;
      outcome ??= 'tunnel_lost';
      closeWs(options.tunnelLost.code, options.tunnelLost.reason);
    };
    tunnel.on('end', onTunnelGone);
    tunnel.on('close', onTunnelGone);
    tunnel.on('error', onTunnelGone);

    const timers: NodeJS.Timeout[] = [];
    if (options.keepaliveMs > 0) {
      timers.push(setInterval(() => ws.readyState === ws.OPEN && ws.ping(options.keepalivePayload), options.keepaliveMs));
    }
    if (options.idleTimeoutMs > 0) {
      timers.push(
        setInterval(
          () => {
            if (Date.now() - lastActivity >= options.idleTimeoutMs) endSession('idle_timeout', 1001, 'idle timeout');
          },
          Math.max(50, Math.floor(options.idleTimeoutMs / 4)),
        ),
      );
    }
    if (options.maxSessionMs > 0) {
      timers.push(setTimeout(() => endSession('max_duration', 1001, 'maximum session duration reached'), options.maxSessionMs));
    }

    ws.once('close', (code: number, reason: Buffer) => {
      for (const timer of timers) clearTimeout(timer);
      const closeTunnel = () => {
        if (!closeFromTunnel) sendCloseIntoTunnel(code === 1005 ? undefined : code, reason.toString());
        else if (!tunnel.destroyed && !tunnel.writableEnded) tunnel.end();
      };
      if (intoTunnel) intoTunnel(0, closeTunnel);
      else closeTunnel();
      // The far end answers our close by ending its side; do not wait for it forever.
      const reaper = setTimeout(() => tunnel.destroy(), TUNNEL_LINGER_MS);
      tunnel.once('close', () => clearTimeout(reaper));
      resolve({ outcome: outcome ?? 'closed', code });
    });
  });
}

/**
 * Runs `deliver` once `bytes` have been paid for with `options.cost`, in call order (each cost is
 * booked at once, so several CPUs serve a burst). While more than `highWaterBytes` wait, the
 * source is paused. Undefined without a cost: callers deliver at once, allocating nothing per message.
 */
function costLane(options: TunnelBridgeOptions, pause: () => void, resume: () => void): ((bytes: number, deliver: () => void) => void) | undefined {
  const { cost, highWaterBytes } = options;
  if (!cost) return undefined;
  let tail = Promise.resolve();
  let waiting = 0;
  let paused = false;
  return (bytes, deliver) => {
    waiting += bytes;
    if (waiting > highWaterBytes) {
      paused = true;
      pause(); // again even if paused: the other side's drain may have resumed the source
    }
    const paid = cost(bytes);
    tail = tail
      .then(() => paid)
      .then(() => {
        waiting -= bytes;
        if (paused && waiting < highWaterBytes / 2) {
          paused = false;
          resume();
        }
        deliver();
      });
  };
}
