import type { RelayError } from '../../protocol/errors.ts';
import type { WorkState } from './dispatched-work.ts';
import type { RelayMetrics } from '../relay-metrics.ts';
import type { FailoverMode } from '../relay-config.ts';

/** How often a request may be replayed on another connector after its connector died. */
export const MAX_RETRIES = 2;

/** The part of a piece of work the failover policy decides on. */
export interface Orphan {
  readonly state: WorkState;
  readonly replayable: boolean;
  retries: number;
  requeued(): void;
  /** Ends the work as lost with its connector, counted once (relay_requests_lost_total). */
  loseInFlight(error: RelayError): void;
}

export type OrphanFate = 'requeue' | 'retry' | 'lose';

/**
 * DESIGN 5: what becomes of work its connector held when the connector went away. Work it had not
 * accepted never reached it: back to the queue, in either mode. Accepted work is lost in
 * `appproxy` mode, as App Proxy loses "the initial transaction": 502 connector_lost (a cut
 * response if it had started; WebSocket sessions close with 1012). In `resilient` mode accepted
 * work that is safe to replay (an idempotent method, no body pulled, no response byte sent) runs
 * again elsewhere, at most MAX_RETRIES times; anything else is lost.
 */
export function orphanFate(work: Orphan, mode: FailoverMode): OrphanFate {
  if (work.state === 'dispatched') return 'requeue';
  if (mode === 'resilient' && work.replayable && work.retries < MAX_RETRIES) return 'retry';
  return 'lose';
}

export interface FailoverActions<W extends Orphan> {
  /** Puts work back at the head of its group's queue. */
  requeue(work: W): void;
  /** Counts a replay of accepted work. */
  countRetry(): void;
  /** The error for lost work. */
  lost(): RelayError;
}

/**
 * Applies each orphan's fate. They are handled in reverse, because each requeue goes to the head:
 * the orphans keep their original order in front of newer work.
 */
export function settleOrphans<W extends Orphan>(orphans: readonly W[], mode: FailoverMode, actions: FailoverActions<W>): void {
  for (const work of [...orphans].reverse()) {
    const fate = orphanFate(work, mode);
    if (fate === 'lose') {
      work.loseInFlight(actions.lost());
      continue;
    }
    if (fate === 'retry') {
      work.retries++;
      actions.countRetry();
    }
    work.requeued();
    actions.requeue(work);
  }
}

/**
 * Counts and reports a channel's end: a failover (with its detection time, from the last sign of
 * life `since`) unless the connector drained cleanly or the relay itself is shutting down.
 */
export function recordConnectorEnd(
  ctx: { readonly metrics: RelayMetrics; readonly config: { readonly id: string }; report(action: string, target: string, detail?: string): void },
  end: { connectorId: string; group: string; reason: string; graceful: boolean; since: number },
): void {
  const target = `connector:${end.connectorId}`;
  if (end.graceful || end.reason === 'shutdown') {
    return ctx.report('connector-left', target, `${end.reason}${end.graceful ? ' after draining' : ''}`);
  }
  const detectionMs = Math.max(0, Date.now() - end.since);
  ctx.metrics.failovers.inc({ group: end.group, reason: end.reason });
  ctx.metrics.failoverDetection.observe({ group: end.group }, detectionMs / 1000);
  ctx.report('connector-dead', target, `${end.reason}; detected ${detectionMs} ms after its last sign of life, by ${ctx.config.id}`);
}
