import { systemClock, type Clock } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import { standardNormal } from '../common/random.ts';
import type { CapacityModel } from './capacity-model.ts';

/** A virtual CPU finishing this much later than modelled means the host cannot keep up. */
const LATE_MS = 50;

export interface CpuObserver {
  /** How long the work waited for a free virtual CPU (ms): a request's fixed cost, or bytes' cost. */
  waited(ms: number, kind: 'request' | 'bytes'): void;
  /** The host ran this much behind the model (ms): it cannot keep up with the modelled capacity. */
  late(ms: number): void;
}

/**
 * A connector's CPUs as the capacity model has them: `cores` virtual CPUs, each serving one piece
 * of work at a time for its modelled CPU time, work waiting first come, first served for the one
 * free soonest (M/G/c). Time is booked on virtual clocks, not burnt: a CPU is free again at the
 * instant the model says, however late the host's timer fires, so the saturation point depends
 * on the model, not on this machine, as long as the machine keeps up (and `late` reports when not).
 */
export class VirtualCpus {
  readonly #model: CapacityModel;
  readonly #clock: Clock;
  readonly #observer: CpuObserver;
  readonly #random: () => number;
  /** When each virtual CPU is free next (clock ms). */
  readonly #freeAt: number[];
  #lastStart = -Infinity;

  constructor(model: CapacityModel, observer: CpuObserver, clock: Clock = systemClock, random: () => number = Math.random) {
    this.#model = model;
    this.#clock = clock;
    this.#observer = observer;
    this.#random = random;
    this.#freeAt = Array.from({ length: model.cores }, () => -Infinity);
  }

  /** The CPU a request costs (TLS, parsing): resolves when it has been served. */
  request(): Promise<void> {
    return this.#serve(this.#draw(this.#model.perRequestMs), true);
  }

  /** The CPU `bytes` moved cost: resolves when they have been served. */
  bytes(bytes: number): Promise<void> {
    const ms = (bytes / 1024) * this.#model.perKiBMs;
    return ms > 0 ? this.#serve(ms, false) : Promise.resolve();
  }

  #serve(serviceMs: number, isRequest: boolean): Promise<void> {
    const now = this.#clock.now();
    let cpu = 0;
    for (let i = 1; i < this.#freeAt.length; i++) if (this.#freeAt[i]! < this.#freeAt[cpu]!) cpu = i;
    let start = Math.max(now, this.#freeAt[cpu]!);
    if (isRequest && this.#model.maxTps) {
      start = Math.max(start, this.#lastStart + 1000 / this.#model.maxTps);
      this.#lastStart = start;
    }
    const end = start + serviceMs;
    this.#freeAt[cpu] = end;
    this.#observer.waited(start - now, isRequest ? 'request' : 'bytes');
    return new Promise((resolve) =>
      this.#clock.setTimeout(
        () => {
          const lateMs = this.#clock.now() - end;
          if (lateMs > LATE_MS) this.#observer.late(lateMs);
          resolve();
        },
        Math.max(0, end - now),
      ),
    );
  }

  #draw(meanMs: number): number {
    return drawServiceMs(meanMs, this.#model.tailSigma, this.#random);
  }
}

/** A lognormal draw with mean `meanMs` and σ `sigma`: most requests below the mean, a long tail above. */
export function drawServiceMs(meanMs: number, sigma: number, random: () => number): number {
  if (sigma === 0) return meanMs;
  const mu = Math.log(meanMs) - (sigma * sigma) / 2;
  return Math.exp(mu + sigma * standardNormal(random));
}

/** A connector's virtual CPUs, reporting into its metrics and warning once when the host falls behind. */
export function modelledCpus(
  model: CapacityModel,
  metrics: { cpuWait: { observe(labels: { kind: string }, v: number): void }; cpuLate: { inc(): void } },
  log: Logger,
): VirtualCpus {
  let warned = false;
  return new VirtualCpus(model, {
    waited: (ms, kind) => metrics.cpuWait.observe({ kind }, ms / 1000),
    late: (ms) => {
      metrics.cpuLate.inc();
      if (warned) return;
      warned = true;
      log.warn({ lateMs: Math.round(ms) }, 'this machine cannot keep up with the modelled capacity: figures describe the machine, not the model');
    },
  });
}
