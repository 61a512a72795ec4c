import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/** One entry of the sim's timeline (`GET /events`). */
export interface SimEvent {
  /** ISO timestamp. */
  readonly at: string;
  /** Milliseconds since the sim started. */
  readonly t: number;
  readonly type: 'fault' | 'state';
  /** For faults: the action; for states: up, ready, draining, paused, resumed, dead, stopped, back. */
  readonly action: string;
  readonly target: string;
  readonly detail?: string;
}

const MAX_EVENTS = 10_000;

/** The controller's timeline of faults and component state changes, plus its own metrics. */
export class EventLog {
  readonly registry = new Registry();
  readonly #faults: Counter<'action'>;
  readonly #events: SimEvent[] = [];
  readonly #startedAt = Date.now();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.#faults = new Counter({
      name: 'sim_fault_events_total',
      help: 'Faults the sim controller injected, by action (kill, terminate, pause, resume, restart, update, partition, heal, latency, bandwidth, reset).',
      labelNames: ['action'],
      registers: [this.registry],
    });
  }

  fault(action: string, target: string, detail?: string): SimEvent {
    this.#faults.inc({ action });
    return this.#push('fault', action, target, detail);
  }

  state(action: string, target: string, detail?: string): SimEvent {
    return this.#push('state', action, target, detail);
  }

  list(sinceMs = 0): SimEvent[] {
    return this.#events.filter((e) => e.t >= sinceMs);
  }

  #push(type: SimEvent['type'], action: string, target: string, detail?: string): SimEvent {
    const now = Date.now();
    const event: SimEvent = { at: new Date(now).toISOString(), t: now - this.#startedAt, type, action, target, ...(detail ? { detail } : {}) };
    this.#events.push(event);
    if (this.#events.length > MAX_EVENTS) this.#events.shift();
    return event;
  }
}
