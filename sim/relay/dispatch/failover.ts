import { RelayError } from '../../protocol/errors.ts';
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
  /** Ends the work as lost with its connector, counted once (relay_requests_lost_total); false if it already ended. */
  loseInFlight(error: RelayError): boolean;
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

/** How many of a dead connector's orphans went each way. */
export interface OrphanCounts {
  requeued: number;
  retried: number;
  lost: number;
}

/**
 * Applies each orphan's fate. They are handled in reverse, because each requeue goes to the head:
 * the orphans keep their original order in front of newer work.
 */
export function settleOrphans<W extends Orphan>(orphans: readonly W[], mode: FailoverMode, actions: FailoverActions<W>): OrphanCounts {
  const counts: OrphanCounts = { requeued: 0, retried: 0, lost: 0 };
  for (const work of [...orphans].reverse()) {
    const fate = orphanFate(work, mode);
    if (fate === 'lose') {
      if (work.loseInFlight(actions.lost())) counts.lost++;
      continue;
    }
    if (fate === 'retry') {
      work.retries++;
      counts.retried++;
      actions.countRetry();
    } else counts.requeued++;
    work.requeued();
    actions.requeue(work);
  }
  return counts;
}

type EndContext = {
  readonly metrics: RelayMetrics;
  readonly config: { readonly id: string; readonly failover: { readonly mode: FailoverMode } };
  report(action: string, target: string, detail?: string): void;
};

export interface ConnectorEnd {
  connectorId: string;
  group: string;
  reason: string;
  /** It drained and left with nothing accepted outstanding. */
  graceful: boolean;
  /** Its last sign of life (last pong, or the close itself). */
  since: number;
}

/**
 * A connector's channel ended: its work is settled in the configured failover mode, then the end
 * is counted and reported, with what became of that work.
 */
export function failOver<W extends Orphan>(ctx: EndContext, end: ConnectorEnd, orphans: readonly W[], requeue: (work: W) => void): void {
  const counts = settleOrphans(orphans, ctx.config.failover.mode, {
    requeue,
    countRetry: () => ctx.metrics.retries.inc({ group: end.group, reason: 'connector_lost' }),
    lost: () => new RelayError('connector_lost', `connector ${end.connectorId} was lost mid-request`),
  });
  recordConnectorEnd(ctx, end, counts);
}

/**
 * Counts and reports a channel's end: a failover (with its detection time, from the last sign of
 * life `since`) unless the connector drained cleanly or the relay itself is shutting down.
 */
function recordConnectorEnd(ctx: EndContext, end: ConnectorEnd, counts: OrphanCounts): void {
  const target = `connector:${end.connectorId}`;
  const work = `${counts.lost} lost in flight, ${counts.retried} retried, ${counts.requeued} requeued`;
  if (end.graceful || end.reason === 'shutdown') {
    return ctx.report('connector-left', target, `${end.reason}${end.graceful ? ' after draining' : ''}; ${work}`);
  }
  const detectionMs = Math.max(0, Date.now() - end.since);
  ctx.metrics.failovers.inc({ group: end.group, reason: end.reason });
  ctx.metrics.failoverDetection.observe({ group: end.group }, detectionMs / 1000);
  ctx.report('connector-dead', target, `${end.reason}; detected ${detectionMs} ms after its last sign of life, by ${ctx.config.id}; ${work}`);
}
