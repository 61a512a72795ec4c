/**
 * Framing of WebSocket events on a tunnel stream (one HTTP/2 stream per session between relay and
 * connector). Both ends terminate WebSocket themselves and relay messages, pings, pongs and the
 * close code and reason through these frames, in order:
 *
 *   [u8 kind][u32 big-endian payload length][payload]
 *   close payload: [u16 code][utf-8 reason]  (code 0 = no status code, as WebSocket's 1005)
 */
export const TunnelFrameKind = { text: 1, binary: 2, ping: 3, pong: 4, close: 5 } as const;
export type TunnelFrameKind = (typeof TunnelFrameKind)[keyof typeof TunnelFrameKind];

const HEADER_BYTES = 5;
/** Below this, header and payload are joined into one write (one HTTP/2 DATA frame). */
const COALESCE_BELOW = 16 * 1024;

export interface TunnelFrame {
  readonly kind: TunnelFrameKind;
  readonly payload: Buffer;
}

import { SimError } from '../common/sim-error.ts';

export class TunnelFrameError extends SimError<'malformed_frame'> {
  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super('malformed_frame', message, options);
  }
}

export function encodeTunnelFrame(kind: TunnelFrameKind, payload: Buffer): Buffer[] {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt8(kind, 0);
  header.writeUInt32BE(payload.length, 1);
  return payload.length < COALESCE_BELOW ? [Buffer.concat([header, payload])] : [header, payload];
}

export function encodeClose(code: number | undefined, reason: string): Buffer {
  const reasonBytes = Buffer.from(reason);
  const payload = Buffer.allocUnsafe(2 + reasonBytes.length);
  payload.writeUInt16BE(code ?? 0, 0);
  reasonBytes.copy(payload, 2);
  return payload;
}

export function decodeClose(payload: Buffer): { code: number | undefined; reason: string } {
  if (payload.length < 2) throw new TunnelFrameError('close frame payload shorter than its code');
  const code = payload.readUInt16BE(0);
  return { code: code === 0 ? undefined : code, reason: payload.subarray(2).toString() };
}

/**
 * Reassembles frames from arbitrary stream chunks. Holds at most one frame in progress, which is
 * bounded by `maxPayload` (the session's maximum message size).
 */
export class TunnelFrameDecoder {
  readonly #maxPayload: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(maxPayload: number) {
    this.#maxPayload = maxPayload;
  }

  /** Feeds a chunk; calls `onFrame` for every frame it completes. Throws TunnelFrameError on bad input. */
  push(chunk: Buffer, onFrame: (frame: TunnelFrame) => void): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    while (this.#pendingBytes >= HEADER_BYTES) {
      const head = this.#peek(HEADER_BYTES);
      const kind = head.readUInt8(0);
      const length = head.readUInt32BE(1);
      if (kind < TunnelFrameKind.text || kind > TunnelFrameKind.close) throw new TunnelFrameError(`unknown tunnel frame kind ${kind}`);
      if (length > this.#maxPayload) throw new TunnelFrameError(`tunnel frame of ${length} bytes exceeds ${this.#maxPayload}`);
      if (this.#pendingBytes < HEADER_BYTES + length) return;
      const frame = this.#take(HEADER_BYTES + length);
      onFrame({ kind: kind as TunnelFrameKind, payload: frame.subarray(HEADER_BYTES) });
    }
  }

  #peek(bytes: number): Buffer {
    if (this.#pending[0]!.length < bytes) this.#pending = [Buffer.concat(this.#pending)];
    return this.#pending[0]!;
  }

  #take(bytes: number): Buffer {
    const all = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    const frame = all.subarray(0, bytes);
    const rest = all.subarray(bytes);
    this.#pending = rest.length > 0 ? [rest] : [];
    this.#pendingBytes = rest.length;
    return frame;
  }
}
