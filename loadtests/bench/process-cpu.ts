import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`), read once; undefined off Linux. */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || undefined;
  } catch {
    return undefined;
  }
})();

/**
 * CPU time (user + system, µs) the processes `pids` have used so far, from /proc/<pid>/stat; null
 * where /proc is absent or a process is gone. Divided by the requests served in between, it gives
 * CPU per request: a figure far steadier than req/s on a shared machine, because it does not
 * depend on how much of the CPU other tenants leave us.
 */
export function cpuMicros(pids: readonly number[]): number | null {
  if (!TICKS_PER_SECOND) return null;
  let total = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      total += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    } catch {
      return null;
    }
  }
  return (total / TICKS_PER_SECOND) * 1e6;
}
