/**
 * M/M/c queue (Erlang C): the probability an arrival has to wait, and the mean wait in queue, for
 * arrival rate λ (per s), mean service time S (s) and c servers (the group's total slots).
 * Returns null at or past saturation (λ·S ≥ c), where the queue grows without bound.
 */
export function erlangCWaitSeconds(lambda: number, serviceS: number, servers: number): number | null {
  const a = lambda * serviceS; // offered load in Erlangs
  if (a >= servers || lambda <= 0) return lambda <= 0 ? 0 : null;
  const p = erlangC(servers, a);
  return p / (servers / serviceS - lambda);
}

/** Probability of waiting, computed through the Erlang B recursion (numerically stable for large c). */
export function erlangC(servers: number, a: number): number {
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (a * b) / (k + a * b);
  const rho = a / servers;
  return b / (1 - rho + rho * b);
}
