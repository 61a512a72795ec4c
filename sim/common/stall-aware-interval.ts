/** The timers and time source a periodic check runs on; injectable so tests drive it by hand. */
export interface IntervalClock {
  now(): number;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemIntervalClock: IntervalClock = {
  now: () => Date.now(),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/**
 * Calls `tick(stalledMs)` every `intervalMs`. `stalledMs` is how much later than planned the timer
 * fired when that is more than half an interval, else 0. A late timer means this process itself
 * was frozen (SIGSTOP, a VM pause) or its event loop blocked: what it reads about its peers at
 * that moment is stale, because their messages are still waiting unread in its sockets (timers
 * run before I/O). Liveness checks use it to give peers one more interval instead of blaming them.
 * Returns the function that stops the ticks.
 */
export function everyInterval(intervalMs: number, tick: (stalledMs: number) => void, clock: IntervalClock = systemIntervalClock): () => void {
  let last = clock.now();
  const handle = clock.setInterval(() => {
    const now = clock.now();
    const late = now - last - intervalMs;
    last = now;
    tick(late > intervalMs / 2 ? late : 0);
  }, intervalMs);
  return () => clock.clearInterval(handle);
}
