import autocannon from 'autocannon';
import type { ScenarioSpec } from '../profiles/profile.ts';
import type { RunTarget } from './run-context.ts';

/** autocannon's own figures: its percentiles as it reports them, none filled in from another. */
export interface ClosedLoopFigures {
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  errors: number;
}

/**
 * `--closed`: the profile's GET scenario as a closed loop (autocannon, `connections` at once, each
 * sending its next request when the last one answered), instead of the open model.
 */
export async function closedLoop(
  specs: readonly ScenarioSpec[],
  settings: { connections: number; durationS: number; workers: number },
  target: RunTarget,
): Promise<ClosedLoopFigures> {
  const get = specs.find((s) => s.kind === 'get');
  if (!get || get.kind !== 'get') throw new Error('--closed needs a profile with a GET scenario');
  const result = await autocannon({
    url: new URL(get.path, target.origin).href,
    connections: settings.connections,
    duration: settings.durationS,
    headers: { host: target.hostOf(get.app) },
    // autocannon does not verify certificates; SNI names the app as a browser would.
    ...(target.origin.protocol === 'https:' ? { servername: target.hostOf(get.app).replace(/:\d+$/, '') } : {}),
    ...(settings.workers > 0 ? { workers: settings.workers } : {}),
  });
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    p999: result.latency.p99_9,
    max: result.latency.max,
    errors: result.errors + result.non2xx,
  };
}
