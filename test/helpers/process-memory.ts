import { rssBytes } from '../../sim/common/rss.ts';

/**
 * Samples the RSS of `pids` every `intervalMs` until stopped; reports each one's growth over its
 * baseline (the first sample), so a transfer's memory cost can be asserted.
 */
export class RssSampler {
  readonly #pids: number[];
  readonly #baseline = new Map<number, number>();
  readonly #peak = new Map<number, number>();
  #timer: NodeJS.Timeout | undefined;

  private constructor(pids: number[]) {
    this.#pids = pids;
  }

  static async start(pids: number[], intervalMs = 50): Promise<RssSampler> {
    const sampler = new RssSampler(pids);
    for (const pid of pids) {
      const rss = await rssBytes(pid);
      sampler.#baseline.set(pid, rss);
      sampler.#peak.set(pid, rss);
    }
    sampler.#timer = setInterval(() => void sampler.#sample(), intervalMs);
    return sampler;
  }

  async #sample(): Promise<void> {
    for (const pid of this.#pids) {
      const rss = await rssBytes(pid).catch(() => 0);
      if (rss > (this.#peak.get(pid) ?? 0)) this.#peak.set(pid, rss);
    }
  }

  /** Stops sampling; returns each pid's peak growth in bytes. */
  async stop(): Promise<Map<number, number>> {
    clearInterval(this.#timer);
    await this.#sample();
    return new Map(this.#pids.map((pid) => [pid, (this.#peak.get(pid) ?? 0) - (this.#baseline.get(pid) ?? 0)]));
  }
}
