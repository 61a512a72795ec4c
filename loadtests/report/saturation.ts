/** What an open-model run's counts say about who kept up: the generator, the system under test, both. */
export interface SaturationVerdict {
  /** Sent ÷ planned. */
  readonly sentOfPlan: number;
  /** After the first second, more than 1 % of sends left over 10 ms behind their plan time: the generator could not keep the schedule. */
  readonly generatorBehind: boolean;
  /** Arrivals dropped at the in-flight cap, or more than 1 % refused for capacity (429, 503): the system could not absorb the load. */
  readonly systemSaturated: boolean;
  readonly text: string;
}

/** Relay answers that mean "no room", not "broken". */
const CAPACITY_CODES = ['queue_full', 'queue_timeout', 'throttled', 'http_429', 'http_503'];

/**
 * Says plainly whether an open-model run delivered its plan, and if not, which side fell short.
 * Late sends are the generator's (its clock ran behind), never the system's: latency is measured
 * from the plan time, so a late send is charged in full either way, and the verdict tells the
 * reader which of the two a high latency belongs to.
 */
export function saturationVerdict(http: {
  planned: number;
  sent: number;
  late: number;
  /** Late sends in the first second: connections opening and code warming up, not a lasting shortfall. */
  lateInFirstSecond: number;
  dropped: number;
  byErrorCode: Record<string, number>;
}): SaturationVerdict | null {
  if (http.planned === 0) return null;
  const sentOfPlan = http.sent / http.planned;
  const refused = CAPACITY_CODES.reduce((n, code) => n + (http.byErrorCode[code] ?? 0), 0);
  const lateAfterStart = http.late - http.lateInFirstSecond;
  const generatorBehind = lateAfterStart > 0.01 * Math.max(1, http.sent);
  const systemSaturated = http.dropped > 0 || refused > 0.01 * Math.max(1, http.sent);
  const pct = (n: number) => `${(100 * n).toFixed(1)} %`;
  const parts = [`sent ${http.sent} of ${http.planned} planned (${pct(sentOfPlan)})`];
  if (generatorBehind) {
    // Both at once: where the generator shares the machine's cores with the system (the embedded
    // sim does), more worker threads would take CPU from the system, so only a lower rate helps.
    const advice = systemSaturated
      ? 'lower --rate (the system under test saturated too; where it shares these cores, as the embedded sim does, more --workers take CPU from it)'
      : 'add --workers or lower --rate';
    parts.push(
      `the load generator fell behind its schedule: ${lateAfterStart} sends after the first second (${pct(lateAfterStart / Math.max(1, http.sent))}) left over 10 ms late; ${advice}`,
    );
  } else if (http.lateInFirstSecond > 0) {
    parts.push(`${http.lateInFirstSecond} sends late in the first second (connections opening, code warming up)`);
  }
  if (systemSaturated) {
    const why = [
      http.dropped > 0 ? `${http.dropped} arrivals dropped at the in-flight cap` : '',
      refused > 0 ? `${refused} refused for capacity (429/503)` : '',
    ]
      .filter(Boolean)
      .join(', ');
    parts.push(`the system under test saturated: ${why}`);
  }
  if (!generatorBehind && !systemSaturated) parts.push('on schedule: neither the generator nor the system under test saturated');
  return { sentOfPlan: Number(sentOfPlan.toFixed(4)), generatorBehind, systemSaturated, text: parts.join('; ') };
}
