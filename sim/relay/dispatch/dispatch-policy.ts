import type { DispatchPolicyName } from '../relay-config.ts';

/** What a policy needs to know about a connector. */
export interface SlotHolder {
  /** False while draining: it finishes its work but takes no new requests. */
  readonly accepting: boolean;
  readonly inflightCount: number;
  readonly slots: number;
  /** The connector said it is full across all its relays: no request until it says ready. */
  readonly full?: boolean;
}

/**
 * Picks an accepting connector, or undefined when there is none. With `needsSlot` (HTTP requests)
 * only connectors with a free slot count; WebSocket sessions never take a slot.
 */
export type DispatchPolicy<T extends SlotHolder> = (connectors: readonly T[], needsSlot?: boolean) => T | undefined;

const eligible = (c: SlotHolder, needsSlot: boolean) => c.accepting && (!needsSlot || (!c.full && c.inflightCount < c.slots));

/** App Proxy-like: uniform among the connectors that have a free slot, no affinity. */
function randomPolicy<T extends SlotHolder>(random: () => number): DispatchPolicy<T> {
  return (connectors, needsSlot = true) => {
    let free = 0;
    for (const c of connectors) if (eligible(c, needsSlot)) free++;
    if (free === 0) return undefined;
    let nth = Math.floor(random() * free);
    for (const c of connectors) {
      if (eligible(c, needsSlot) && nth-- === 0) return c;
    }
    return undefined;
  };
}

function roundRobinPolicy<T extends SlotHolder>(): DispatchPolicy<T> {
  let cursor = 0;
  return (connectors, needsSlot = true) => {
    for (let step = 0; step < connectors.length; step++) {
      const index = (cursor + step) % connectors.length;
      const candidate = connectors[index]!;
      if (eligible(candidate, needsSlot)) {
        cursor = index + 1;
        return candidate;
      }
    }
    return undefined;
  };
}

/** Fewest requests in flight wins; ties rotate, so an idle group still spreads its work. */
function leastPendingPolicy<T extends SlotHolder>(): DispatchPolicy<T> {
  let cursor = 0;
  return (connectors, needsSlot = true) => {
    let best: T | undefined;
    const start = cursor++ % Math.max(1, connectors.length);
    for (let step = 0; step < connectors.length; step++) {
      const c = connectors[(start + step) % connectors.length]!;
      if (eligible(c, needsSlot) && (!best || c.inflightCount < best.inflightCount)) best = c;
    }
    return best;
  };
}

export function createDispatchPolicy<T extends SlotHolder>(name: DispatchPolicyName, random: () => number = Math.random): DispatchPolicy<T> {
  switch (name) {
    case 'random':
      return randomPolicy(random);
    case 'round-robin':
      return roundRobinPolicy();
    case 'least-pending':
      return leastPendingPolicy();
  }
}
