import type { DispatchedWork, WorkHooks } from './dispatched-work.ts';
import type { ReleasedIds } from '../connectors/released-ids.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { systemClock, type Clock } from '../../common/clock.ts';

/** What a connector's channel knows of the work it holds and has let go of. */
export interface WorkHolder {
  readonly connectorId: string;
  readonly inflight: ReadonlyMap<string, DispatchedWork>;
  readonly released: ReleasedIds;
}

/**
 * What a request id named by a connector (in a control message or a data-plane path) is to that
 * connector: work it holds; work it held that has ended meanwhile (a late word, ignored);
 * another connector's work; or no live work at all.
 */
export type WorkLookup =
  { readonly kind: 'held'; readonly work: DispatchedWork } | { readonly kind: 'late' } | { readonly kind: 'elsewhere' } | { readonly kind: 'unknown' };

/**
 * Every live request and session by id, from arrival until it settles. The public listener
 * registers work; the work settles itself (through the `WorkHooks` it is given); the control
 * channel and the data plane look ids up here, in one place, with one answer.
 */
export class WorkRegistry implements WorkHooks {
  readonly #live = new Map<string, DispatchedWork>();
  readonly #withdraw: (work: DispatchedWork) => void;
  readonly clock: Clock;

  /**
   * @param withdraw takes queued work out of its group's queue (its user went away)
   * @param clock what every piece of work's deadline runs on
   */
  constructor(withdraw: (work: DispatchedWork) => void, clock: Clock = systemClock) {
    this.#withdraw = withdraw;
    this.clock = clock;
  }

  get size(): number {
    return this.#live.size;
  }

  register(work: DispatchedWork): void {
    this.#live.set(work.id, work);
  }

  settled(work: DispatchedWork): void {
    this.#live.delete(work.id);
  }

  withdraw(work: DispatchedWork): void {
    this.#withdraw(work);
  }

  lookup(id: string, holder: WorkHolder): WorkLookup {
    const work = holder.inflight.get(id);
    if (work) return { kind: 'held', work };
    if (holder.released.has(id)) return { kind: 'late' };
    return this.#live.has(id) ? { kind: 'elsewhere' } : { kind: 'unknown' };
  }

  /**
   * The work `holder` holds under `id`; undefined for a late word about work it held that has
   * ended (ignored, see ReleasedIds); a protocol violation otherwise: ids are honoured only for
   * the connector holding them.
   */
  owned(id: string, holder: WorkHolder): DispatchedWork | undefined {
    const found = this.lookup(id, holder);
    if (found.kind === 'held') return found.work;
    if (found.kind === 'late') return undefined;
    if (found.kind === 'elsewhere') throw new ProtocolError('not_your_request', `request ${id} is not held by ${holder.connectorId}`);
    throw new ProtocolError('unknown_request', `no live request ${id}`);
  }
}
