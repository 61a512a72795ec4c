/**
 * Histogram buckets in seconds, 0.5 ms to 120 s (DESIGN 3.4). Roughly ×2–2.5 per step so that
 * histogram_quantile() stays within a useful error band from sub-millisecond relay overhead up to the
 * 85 s / 180 s backend timeouts.
 */
export const DURATION_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
