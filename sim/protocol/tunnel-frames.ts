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
 *
 * Frames are cut straight from a chunk that holds them whole (the common case), so the decoder
 * keeps nothing between messages. Why: it lives as long as its session, and whatever it keeps
 * between messages outlives the next young GC. With 1,000 sessions at 1 message/s each (bench:ws's
 * load), the array it kept per message was what the relay and the connector promoted most: each
 * scavenge promoted 550-660 KB and paused 3.8-4.6 ms; cutting frames from the chunk, 3-4 KB and
 * 1.5-1.9 ms (--trace-gc-nvp, steady state, two runs each).
 */
export class TunnelFrameDecoder {
  readonly #maxPayload: number;
  /** Chunks of the one frame in progress. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Bytes of that frame, header included; 0 until its header has arrived. */
  #needed = 0;

  constructor(maxPayload: number) {
    this.#maxPayload = maxPayload;
  }

  /** Feeds a chunk; calls `onFrame` for every frame it completes. Throws TunnelFrameError on bad input. */
  push(chunk: Buffer, onFrame: (frame: TunnelFrame) => void): void {
    if (this.#pendingBytes === 0) return this.#cut(chunk, onFrame);
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#needed === 0 && this.#pendingBytes >= HEADER_BYTES)
      this.#needed = HEADER_BYTES + this.#payloadLength(Buffer.concat(this.#pending, HEADER_BYTES), 0);
    if (this.#needed === 0 || this.#pendingBytes < this.#needed) return;
    const joined = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#needed = 0;
    this.#cut(joined, onFrame);
  }

  /** Calls `onFrame` for each whole frame in `data` and keeps what is left of it. */
  #cut(data: Buffer, onFrame: (frame: TunnelFrame) => void): void {
    let at = 0;
    while (data.length - at >= HEADER_BYTES) {
      const end = at + HEADER_BYTES + this.#payloadLength(data, at);
      if (end > data.length) {
        this.#needed = end - at; // its header is read: push waits for the rest of its payload
        break;
      }
      onFrame({ kind: data[at] as TunnelFrameKind, payload: data.subarray(at + HEADER_BYTES, end) });
      at = end;
    }
    if (at === data.length) return;
    const rest = data.subarray(at);
    this.#pending.push(rest);
    this.#pendingBytes = rest.length;
  }

  /** The payload length in the header at `at`, once its kind and length are checked. */
  #payloadLength(data: Buffer, at: number): number {
    const kind = data.readUInt8(at);
    const length = data.readUInt32BE(at + 1);
    if (kind < TunnelFrameKind.text || kind > TunnelFrameKind.close) throw new TunnelFrameError(`unknown tunnel frame kind ${kind}`);
    if (length > this.#maxPayload) throw new TunnelFrameError(`tunnel frame of ${length} bytes exceeds ${this.#maxPayload}`);
    return length;
  }
}
