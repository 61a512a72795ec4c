import * as hdr from 'hdr-histogram-js';

export interface LatencySummaryMs {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/**
 * An HDR histogram of latencies recorded in microseconds (1 µs to 10 min, 3 significant digits),
 * summarised in milliseconds. Histograms from several workers merge with `add`.
 */
export class LatencyHistogram {
  readonly histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });

  recordMs(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  add(other: LatencyHistogram | IntervalLatency): void {
    this.histogram.add(other instanceof LatencyHistogram ? other.histogram : other.histogram().histogram);
  }

  /** A compact, lossless text form (HdrHistogram's compressed base64), to merge across threads. */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.histogram);
  }

  static decode(encoded: string): LatencyHistogram {
    const decoded = new LatencyHistogram();
    decoded.histogram.add(hdr.decodeFromCompressedBase64(encoded));
    return decoded;
  }

  summary(): LatencySummaryMs {
    const h = this.histogram;
    const ms = (us: number) => Number((us / 1000).toFixed(3));
    return {
      count: h.totalCount,
      p50: ms(h.getValueAtPercentile(50)),
      p90: ms(h.getValueAtPercentile(90)),
      p99: ms(h.getValueAtPercentile(99)),
      p999: ms(h.getValueAtPercentile(99.9)),
      // Bucket-resolved like the percentiles (3 significant digits), so merged histograms agree exactly.
      max: ms(h.getValueAtPercentile(100)),
      mean: ms(h.mean),
    };
  }
}

/**
 * One second's latencies in a timeline. Live, it is a full histogram (about 85 KiB); sealed, once
 * nothing recorded into it is still in flight, it keeps only its compressed encoding (lossless,
 * typically well under 1 KiB), so a run of many hours keeps a timeline that costs little memory.
 * Read it back with `histogram()` or `summary()`.
 */
export class IntervalLatency {
  #live: LatencyHistogram | undefined = new LatencyHistogram();
  #sealed: string | undefined;

  recordMs(ms: number): void {
    this.#reopen().recordMs(ms);
  }

  get sealed(): boolean {
    return this.#live === undefined;
  }

  seal(): void {
    if (!this.#live) return;
    this.#sealed = this.#live.encode();
    this.#live = undefined;
  }

  /** The full histogram (decoded afresh when sealed: the caller owns it). */
  histogram(): LatencyHistogram {
    return this.#live ?? LatencyHistogram.decode(this.#sealed!);
  }

  summary(): LatencySummaryMs {
    return this.histogram().summary();
  }

  #reopen(): LatencyHistogram {
    if (!this.#live) {
      this.#live = LatencyHistogram.decode(this.#sealed!);
      this.#sealed = undefined;
    }
    return this.#live;
  }
}
