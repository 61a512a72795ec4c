import { createHash } from 'node:crypto';

/**
 * The byte at offset i of every `/bytes/:n` body is PATTERN[i % PATTERN.length]. A fixed
 * pseudo-random block (not zeros) so that compression or a truncation can't hide behind a pattern.
 */
const PATTERN_SIZE = 1 << 20;
export const PATTERN: Buffer = (() => {
  const block = Buffer.allocUnsafe(PATTERN_SIZE);
  let state = 0x2545f491;
  for (let i = 0; i < PATTERN_SIZE; i += 4) {
    // xorshift32: cheap, seeded, identical in every process.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    block.writeInt32LE(state | 0, i);
  }
  return block;
})();

/** Yields `total` deterministic bytes in chunks of at most `chunkSize`, without allocating per chunk. */
export function* deterministicChunks(total: number, chunkSize: number): Generator<Buffer> {
  let offset = 0;
  while (offset < total) {
    const start = offset % PATTERN_SIZE;
    const length = Math.min(chunkSize, total - offset, PATTERN_SIZE - start);
    yield PATTERN.subarray(start, start + length);
    offset += length;
  }
}

/** sha256 (hex) of the first `total` deterministic bytes, as a client would compute it. */
export function deterministicSha256(total: number): string {
  const hash = createHash('sha256');
  for (const chunk of deterministicChunks(total, PATTERN_SIZE)) hash.update(chunk);
  return hash.digest('hex');
}
