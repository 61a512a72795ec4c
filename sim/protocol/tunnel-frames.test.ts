import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeClose, encodeClose, encodeTunnelFrame, TunnelFrameDecoder, TunnelFrameError, TunnelFrameKind, type TunnelFrame } from './tunnel-frames.ts';

function decodeAll(bytes: Buffer, chunkSize: number, max = 1 << 20): TunnelFrame[] {
  const decoder = new TunnelFrameDecoder(max);
  const frames: TunnelFrame[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) decoder.push(bytes.subarray(i, i + chunkSize), (f) => frames.push(f));
  return frames;
}

test('frames survive any chunking, in order, byte-identical', () => {
  const big = Buffer.alloc(100_000, 7);
  const wire = Buffer.concat([
    ...encodeTunnelFrame(TunnelFrameKind.text, Buffer.from('héllo')),
    ...encodeTunnelFrame(TunnelFrameKind.binary, big),
    ...encodeTunnelFrame(TunnelFrameKind.ping, Buffer.alloc(0)),
    ...encodeTunnelFrame(TunnelFrameKind.close, encodeClose(4001, 'bye')),
  ]);
  for (const chunkSize of [1, 3, 5, 7, 13, 4096, wire.length]) {
    const frames = decodeAll(wire, chunkSize);
    assert.deepEqual(
      frames.map((f) => f.kind),
      [1, 2, 3, 5],
      `chunk ${chunkSize}`,
    );
    assert.equal(frames[0]!.payload.toString(), 'héllo');
    assert.ok(frames[1]!.payload.equals(big));
    assert.deepEqual(decodeClose(frames[3]!.payload), { code: 4001, reason: 'bye' });
  }
});

test('a close without a status code round-trips as undefined', () => {
  assert.deepEqual(decodeClose(encodeClose(undefined, '')), { code: undefined, reason: '' });
});

test('unknown kinds and oversized frames are rejected', () => {
  assert.throws(() => decodeAll(Buffer.from([9, 0, 0, 0, 0]), 5), TunnelFrameError);
  assert.throws(() => decodeAll(Buffer.concat(encodeTunnelFrame(TunnelFrameKind.binary, Buffer.alloc(11))), 100, 10), TunnelFrameError);
});

test('a bad header is rejected as soon as its five bytes are in, before any payload, however it was split', () => {
  const whole = Buffer.concat(encodeTunnelFrame(TunnelFrameKind.text, Buffer.from('ok')));
  for (const bad of [Buffer.from([9, 0, 0, 0, 1]), Buffer.from([TunnelFrameKind.binary, 0, 0, 4, 0])]) {
    const decoder = new TunnelFrameDecoder(1000);
    const seen: string[] = [];
    decoder.push(Buffer.concat([whole, bad.subarray(0, 2)]), (f) => seen.push(f.payload.toString()));
    assert.deepEqual(seen, ['ok'], 'the whole frame before it is delivered');
    assert.throws(() => decoder.push(bad.subarray(2), () => undefined), TunnelFrameError);
  }
});
