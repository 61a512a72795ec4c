/**
 * A share of a distributed run (`--segment i/n`, k6's execution segments in spirit): segment i of n
 * sends 1/n of every HTTP scenario's arrivals, offset by i−1 arrivals of the whole plan so that
 * segments started together interleave rather than send in bursts, holds its share of the
 * WebSocket sessions, and only segment 1 runs the fault plan (one fault, not n). Segments write
 * their `.hlog` files, and `npm run load -- merge` joins them into one run.
 */
export interface Segment {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

/**
 * `i/n`, or `job/n` in a Kubernetes indexed Job, whose pods are told their 0-based index in
 * JOB_COMPLETION_INDEX (deploy/manifests/load-job.yaml runs `--segment job/n`).
 */
export function parseSegment(text: string, env: NodeJS.ProcessEnv = process.env): Segment {
  if (text.startsWith('job/')) {
    const index = env['JOB_COMPLETION_INDEX'];
    if (index === undefined || !/^\d+$/.test(index))
      throw new Error(`--segment ${text} takes its index from JOB_COMPLETION_INDEX (an indexed Job's pods have it); it is not set`);
    return parseSegment(`${Number(index) + 1}/${text.slice(4)}`);
  }
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!match || count < 1 || index < 1 || index > count) throw new Error(`--segment takes i/n with 1 ≤ i ≤ n (e.g. 1/4); got ${text}`);
  return { index, count };
}

/** This segment's whole share of `total` items (sessions): the remainder goes to the first segments. */
export function segmentCount(total: number, segment: Segment | undefined): number {
  if (!segment) return total;
  return Math.floor(total / segment.count) + (segment.index <= total % segment.count ? 1 : 0);
}

/** How much later than the whole plan's first arrival this segment's first arrival is (ms), for a plan of `totalRate`/s. */
export function segmentOffsetMs(segment: Segment | undefined, totalRate: number): number {
  return segment && totalRate > 0 ? ((segment.index - 1) * 1000) / totalRate : 0;
}
