import type { FailoverMode } from '../relay/relay-config.ts';
import type { ComponentProcess } from './component-process.ts';
import type { EventLog } from './event-log.ts';

/** How long one connector may take to stop, start and register again before the update gives up. */
const STEP_TIMEOUT_MS = 60_000;

/**
 * App Proxy's connector updater, as Microsoft describes it: the connectors of a group are updated
 * one at a time, and the next starts only when the previous one is back, so the group never loses
 * more than one member; the updated connector's in-flight requests are lost ("the initial
 * transaction is lost"). In `appproxy` mode each member is therefore stopped at once (SIGKILL: the
 * relay fails its accepted requests); in `resilient` mode it drains first, as a gentler updater
 * would. Each step lands in the timeline: `update-step` when a member goes down, `update-back`
 * when it has registered again, `update-done` (or `update-failed`) at the end.
 */
export async function updateGroup(group: string, members: readonly ComponentProcess[], mode: FailoverMode, events: EventLog): Promise<void> {
  const target = `group:${group}`;
  const how = mode === 'appproxy' ? 'stopped at once: its in-flight requests are lost' : 'draining first (resilient mode)';
  try {
    for (const [i, member] of members.entries()) {
      const step = `step ${i + 1}/${members.length}`;
      events.state('update-step', `connector:${member.id}`, `${step}: ${how}`);
      await member.restart(STEP_TIMEOUT_MS, mode === 'appproxy' ? 'kill' : 'drain');
      events.state('update-back', `connector:${member.id}`, `${step}: registered again`);
    }
    events.state('update-done', target, `${members.length} connector(s) updated one at a time`);
  } catch (err) {
    events.state('update-failed', target, (err as Error).message);
  }
}
