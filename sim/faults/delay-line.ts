import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** Bytes one direction may hold in flight before reading from its sender pauses (TCP's window, roughly). */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;

interface InFlight {
  readonly pieces: Buffer[];
  readonly dueAt: number;
  readonly size: number;
}

/**
 * One direction of a link with latency, as a pipeline: each chunk is written `delay` after it was
 * read while later chunks keep arriving behind it, so a link with latency L carries a stream at
 * full speed, each byte L late, as a long-haul link does (toxiproxy's latency toxic works the same
 * way). Nothing overtakes: with jitter, a chunk waits for the ones read before it. A `hold`
 * (a partition) stops delivery until it resolves; what is in flight is kept, never dropped.
 */
export class DelayLine {
  readonly #to: Writable;
  readonly #hold: () => Promise<void> | undefined;
  readonly #queue: InFlight[] = [];
  #held = 0;
  #lastDue = 0;
  #writing: Promise<void> | undefined;
  #room: (() => void)[] = [];

  constructor(to: Writable, hold: () => Promise<void> | undefined) {
    this.#to = to;
    this.#hold = hold;
  }

  /** Sends `pieces` at `dueAt` (performance.now() ms); resolves once there is room for more. */
  async push(pieces: Buffer[], dueAt: number): Promise<void> {
    const size = pieces.reduce((n, p) => n + p.length, 0);
    this.#lastDue = Math.max(dueAt, this.#lastDue);
    this.#queue.push({ pieces, dueAt: this.#lastDue, size });
    this.#held += size;
    this.#writing ??= this.#deliver();
    if (this.#held > HIGH_WATER_BYTES) await new Promise<void>((resolve) => this.#room.push(resolve));
  }

  /** Nothing held and nothing being written: a chunk written directly now cannot overtake one. */
  get idle(): boolean {
    return this.#writing === undefined;
  }

  /** Resolves once everything pushed has been written (or the far side is gone). */
  async flush(): Promise<void> {
    await this.#writing;
  }

  async #deliver(): Promise<void> {
    for (let entry = this.#queue[0]; entry; entry = this.#queue[0]) {
      const wait = entry.dueAt - performance.now();
      if (wait > 0) await sleep(wait);
      await this.#hold();
      for (const piece of entry.pieces) {
        if (this.#to.destroyed) return this.#abandon();
        if (!this.#to.write(piece)) await Promise.race([once(this.#to, 'drain'), once(this.#to, 'close')]).catch(() => undefined);
      }
      this.#queue.shift();
      this.#held -= entry.size;
      if (this.#held <= HIGH_WATER_BYTES) for (const wake of this.#room.splice(0)) wake();
    }
    this.#writing = undefined;
  }

  /** The far side closed: nothing more can be delivered, and the sender must not wait for room. */
  #abandon(): void {
    this.#queue.length = 0;
    this.#held = 0;
    for (const wake of this.#room.splice(0)) wake();
    this.#writing = undefined;
  }
}
