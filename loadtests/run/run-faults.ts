import { ControlClient } from '../../sim/cluster/control-client.ts';
import type { InjectedFault, RunEvent } from './failover-figures.ts';
import type { RunTarget } from './run-context.ts';

// A run's dealings with the sim's control API: its fault plan, and the sim's timeline afterwards.

/** Injects one planned fault; a refusal or an unreachable control API is recorded, never thrown. */
export async function injectFault(
  target: RunTarget,
  fault: { action: string; target: string; params?: Record<string, unknown> },
  atMs: number,
): Promise<InjectedFault> {
  try {
    const answer = await new ControlClient(target.controlUrl!).fault(fault);
    return { atMs, action: fault.action, target: answer.target ?? fault.target, ok: answer.ok, ...(answer.error ? { detail: answer.error } : {}) };
  } catch (err) {
    return { atMs, action: fault.action, target: fault.target, ok: false, detail: (err as Error).message };
  }
}

/** The sim's timeline since the run started (ms since the run started); empty without a control API. */
export async function fetchEvents(controlUrl: string | undefined, runStartEpoch: number): Promise<RunEvent[]> {
  if (!controlUrl) return [];
  try {
    const list = await new ControlClient(controlUrl).events();
    return list
      .map((e) => ({ tMs: Date.parse(e.at) - runStartEpoch, type: e.type, action: e.action, target: e.target, ...(e.detail ? { detail: e.detail } : {}) }))
      .filter((e) => e.tMs >= 0);
  } catch {
    return [];
  }
}
