import type { ResponseSizes, ServiceTime } from '../../sim/backend/app-service.ts';

/** `40ms`, `1.5s`: milliseconds; undefined if not a duration. */
function ms(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text.trim());
  return m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : undefined;
}

/** `512`, `1KiB`, `2MiB`: bytes; undefined if not a size. */
function bytes(text: string): number | undefined {
  const m = /^(\d+)(B|KiB|MiB)?$/.exec(text.trim());
  return m ? Number(m[1]) * { B: 1, KiB: 1024, MiB: 1 << 20 }[m[2] ?? 'B']! : undefined;
}

/**
 * `--backend`: the app's service time. `40ms` fixed; `exp:40ms` exponential of mean 40 ms;
 * `p50:40ms,p99:250ms` lognormal through both. Throws a message naming the forms on anything else.
 */
export function parseServiceTime(text: string, flag = '--backend'): ServiceTime {
  const fixed = ms(text);
  if (fixed !== undefined) return { fixedMs: fixed };
  const exp = /^exp:(.+)$/.exec(text);
  const mean = exp && ms(exp[1]!);
  if (mean) return { meanMs: mean };
  const pct = /^p50:([^,]+),p99:(.+)$/.exec(text);
  const [p50, p99] = pct ? [ms(pct[1]!), ms(pct[2]!)] : [];
  if (p50 && p99 && p99 >= p50) return { p50Ms: p50, p99Ms: p99 };
  throw new Error(`${flag} takes 40ms (fixed), exp:40ms (exponential of that mean) or p50:40ms,p99:250ms (p99 ≥ p50); got ${text}`);
}

/** `--responses`: `1KiB` (every response), or `1KiB:9,100KiB:1` (sizes with relative weights). */
export function parseResponseSizes(text: string): ResponseSizes {
  const single = bytes(text);
  if (single !== undefined) return single;
  const mix = text.split(',').map((part) => {
    const [size, weight] = part.split(':');
    return { bytes: bytes(size ?? ''), weight: Number(weight) };
  });
  if (mix.every((s) => s.bytes !== undefined && s.weight > 0)) return mix as { bytes: number; weight: number }[];
  throw new Error(`--responses takes a size (512, 1KiB, 2MiB) or weighted sizes like 1KiB:9,100KiB:1; got ${text}`);
}
