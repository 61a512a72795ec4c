import type { WebSocket } from 'ws';
import type { Logger } from '../common/logger.ts';
import { everyInterval, systemIntervalClock, type IntervalClock } from '../common/stall-aware-interval.ts';

/**
 * The connector's side of the heartbeat. The relay pings every interval; a connector that hears
 * none for `missed + 2` intervals assumes a silent failure and terminates the control socket, so
 * the link dials again (as cloudflared does). Two intervals more than the relay allows itself:
 * the relay forgives its own stalls of up to `missed` intervals (see HeartbeatMonitor) and pings
 * an interval apart, so a frozen-then-resumed relay is not taken for a dead one. A tick of ours
 * that fires late means we stalled, not the relay: no verdict on it.
 *
 * @param settings read on every tick: the relay's welcome may change them
 */
export function watchRelayHeartbeat(
  ws: WebSocket,
  settings: () => { readonly intervalMs: number; readonly missed: number },
  log: Logger,
  clock: IntervalClock = systemIntervalClock,
): void {
  let lastPing = clock.now();
  ws.on('ping', () => (lastPing = clock.now()));
  let stop: (() => void) | undefined;
  ws.once('open', () => {
    lastPing = clock.now();
    stop = everyInterval(
      settings().intervalMs,
      (stalledMs) => {
        const { intervalMs, missed } = settings();
        if (stalledMs > 0) return;
        if (clock.now() - lastPing > intervalMs * (missed + 2)) {
          log.warn('no heartbeat from the relay; reconnecting');
          ws.terminate();
        }
      },
      clock,
    );
  });
  ws.once('close', () => stop?.());
}
