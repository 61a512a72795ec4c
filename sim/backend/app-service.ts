import { setTimeout as sleep } from 'node:timers/promises';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { deterministicChunks } from './deterministic-bytes.ts';
import { standardNormal } from '../common/random.ts';
import type { RouteContext } from './backend-routes.ts';

const MAX_MS = 600_000;
const MAX_RESPONSE_BYTES = 1 << 30;
/** z for the 99th percentile of a standard normal: a lognormal through p50 and p99 has σ = ln(p99/p50) / Z99. */
const Z99 = 2.3263;

/**
 * How long the app takes to answer: a fixed time, an exponential one of a given mean, or a
 * lognormal through a median and a p99 (say p50 40 ms, p99 250 ms: most requests near the median,
 * a long tail, as measured apps tend to be).
 */
export const ServiceTime = z.union([
  z.strictObject({ fixedMs: z.number().min(0).max(MAX_MS) }),
  z.strictObject({ meanMs: z.number().positive().max(MAX_MS) }),
  z
    .strictObject({ p50Ms: z.number().positive().max(MAX_MS), p99Ms: z.number().positive().max(MAX_MS) })
    .refine((t) => t.p99Ms >= t.p50Ms, { message: 'p99Ms must be at least p50Ms' }),
]);
export type ServiceTime = z.infer<typeof ServiceTime>;

/** Response sizes: one size, or a mix of sizes with relative weights (`[{ bytes: 1024, weight: 9 }, { bytes: 102400, weight: 1 }]`). */
export const ResponseSizes = z.union([
  z.number().int().min(0).max(MAX_RESPONSE_BYTES),
  z.array(z.strictObject({ bytes: z.number().int().min(0).max(MAX_RESPONSE_BYTES), weight: z.number().positive() })).min(1),
]);
export type ResponseSizes = z.infer<typeof ResponseSizes>;

/**
 * A topology app's own behaviour (`apps[].service`): every request to it, whatever its path and
 * method, reads the request body, takes a service time and answers 200 with a body of a size
 * drawn from the mix. Without it an app is the backend's test routes (/echo, /bytes/:n, ...).
 */
export const AppService = z.strictObject({
  time: ServiceTime.default({ fixedMs: 0 }),
  responseBytes: ResponseSizes.default(256),
});
export type AppService = z.infer<typeof AppService>;

/** Draws service times and response sizes as an app's `service` says. */
export class ServiceSampler {
  readonly #spec: AppService;
  readonly #random: () => number;
  readonly #totalWeight: number;

  constructor(spec: AppService, random: () => number = Math.random) {
    this.#spec = spec;
    this.#random = random;
    this.#totalWeight = typeof spec.responseBytes === 'number' ? 1 : spec.responseBytes.reduce((n, s) => n + s.weight, 0);
  }

  timeMs(): number {
    const t = this.#spec.time;
    if ('fixedMs' in t) return t.fixedMs;
    if ('meanMs' in t) return Math.min(MAX_MS, -Math.log(1 - this.#random()) * t.meanMs);
    const sigma = Math.log(t.p99Ms / t.p50Ms) / Z99;
    return Math.min(MAX_MS, t.p50Ms * Math.exp(sigma * standardNormal(this.#random)));
  }

  bytes(): number {
    const sizes = this.#spec.responseBytes;
    if (typeof sizes === 'number') return sizes;
    let pick = this.#random() * this.#totalWeight;
    for (const size of sizes) if ((pick -= size.weight) < 0) return size.bytes;
    return sizes.at(-1)!.bytes;
  }
}

/** Serves one request to an app with a `service`: body read, time taken, sized answer streamed. */
export async function serveAppService(ctx: RouteContext, sampler: ServiceSampler): Promise<void> {
  let received = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) received += chunk.length;
  const ms = sampler.timeMs();
  if (ms > 0) await sleep(ms, undefined, { signal: ctx.signal });
  const total = sampler.bytes();
  ctx.res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': total,
    'x-service-ms': ms.toFixed(1),
    'x-request-bytes': received,
  });
  await pipeline(Readable.from(deterministicChunks(total, 64 << 10), { objectMode: false }), ctx.res, { signal: ctx.signal });
}
