import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ClosedLoopFigures } from './bench-setup.ts';

const run = promisify(execFile);

/** Whether Debian's `wrk` is on PATH: the benchmarks' independent C client (`apt-get install wrk`). */
export async function wrkInstalled(): Promise<boolean> {
  return run('wrk', ['--version']).then(
    () => true,
    (err: NodeJS.ErrnoException & { stdout?: string }) => err.code !== 'ENOENT' && /wrk/.test(err.stdout ?? ''), // wrk --version exits 1
  );
}

/**
 * One closed-loop wrk run (2 threads) on `url` with `host` as the Host header: an independent
 * client in C, so a figure that only autocannon shows is autocannon's, not the target's.
 */
export async function measureWrk(name: string, url: string, options: { connections: number; durationS: number; host?: string }): Promise<ClosedLoopFigures> {
  const args = ['-t2', `-c${options.connections}`, `-d${options.durationS}s`, '--latency', ...(options.host ? ['-H', `Host: ${options.host}`] : []), url];
  process.stderr.write(`  ${name} (wrk): ${options.connections} connections for ${options.durationS} s ...\n`);
  const { stdout } = await run('wrk', args, { timeout: (options.durationS + 30) * 1000 });
  return parseWrk(name, stdout);
}

/** The figures of wrk's `--latency` report; a value wrk did not print is null, never guessed. */
export function parseWrk(name: string, text: string): ClosedLoopFigures {
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    name,
    requestsPerSec: rate ? Number(rate[1]) : 0,
    p50Ms: percentile(text, '50'),
    p99Ms: percentile(text, '99'),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    errors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function percentile(text: string, p: string): number | null {
  const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text);
  return match ? Number((Number(match[1]) * UNIT_MS[match[2]!]!).toFixed(3)) : null;
}
