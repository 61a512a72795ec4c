import type { ToxicSpec } from '../faults/toxics.ts';
import type { ComponentProcess, ProcessState } from './component-process.ts';
import type { EventLog } from './event-log.ts';
import type { FailoverMode } from '../relay/relay-config.ts';
import { updateGroup } from './connector-update.ts';
import { FaultRequestError, LINK_ACTIONS, type FaultParams, type FaultRequest } from './fault-request.ts';

/** The states each process fault acts on; a target in any other state is refused. */
const ACTS_ON: Partial<Record<FaultRequest['action'], readonly ProcessState[]>> = {
  pause: ['running', 'draining'],
  resume: ['paused'],
  kill: ['starting', 'running', 'paused', 'draining'],
  terminate: ['starting', 'running', 'paused', 'draining'],
};

/** What the controller needs from the cluster to inject faults. */
export interface FaultTargets {
  component(kind: 'connector' | 'relay' | 'backend', id: string): ComponentProcess | undefined;
  connectorsOfGroup(group: string): ComponentProcess[] | undefined;
  all(kind: 'connector' | 'relay'): ComponentProcess[];
  /** Records an administrator's move in the sim's own view of the groups. */
  assign(connector: ComponentProcess, group: string): void;
}

/** The topology settings faults follow. */
export interface FaultSettings {
  /** How an update takes each connector down. */
  readonly failoverMode: FailoverMode;
  /** How often connectors pull their configuration: when a move takes effect. */
  readonly configRefreshMs: number;
  /** Whether connectors' links run through fault proxies (topology `linkFaults`). */
  readonly linkFaults: boolean;
}

export interface FaultResult {
  readonly action: string;
  /** The component the fault hit (for `group:` targets, the member picked). */
  readonly target: string;
  readonly detail?: string;
}

/**
 * Carries out faults (DESIGN 3.5) on real processes and real links: signals for process faults,
 * commands to the connectors' fault proxies for link faults. Every fault lands in the timeline.
 */
export class FaultInjector {
  readonly #targets: FaultTargets;
  readonly #log: EventLog;
  readonly #settings: FaultSettings;

  constructor(targets: FaultTargets, log: EventLog, settings: FaultSettings) {
    this.#targets = targets;
    this.#log = log;
    this.#settings = settings;
  }

  async inject(request: FaultRequest): Promise<FaultResult> {
    const { target } = request;
    if (LINK_ACTIONS.has(request.action) && !this.#settings.linkFaults)
      throw new FaultRequestError(
        `${request.action} is a link fault, and this sim's connectors dial the relays directly (topology linkFaults: false); set linkFaults: true to inject link faults`,
      );
    if (target.kind === 'relay' && LINK_ACTIONS.has(request.action)) {
      this.#require('relay', target.name);
      const connectors = this.#targets.all('connector').filter((c) => c.state !== 'exited');
      await Promise.all(connectors.map((c) => this.#linkFault(c, request, target.name)));
      return this.#record(request, `relay:${target.name}`, `on the links of ${connectors.length} connector(s)`);
    }
    if (request.action === 'update') return this.#update(target.name);
    if (request.action === 'move') return this.#move(this.#require('connector', target.name), request.params.group);
    const component = target.kind === 'group' ? this.#pickMember(target.name, request.action) : this.#require(target.kind, target.name);
    const name = `${component.kind}:${component.id}`;
    if (LINK_ACTIONS.has(request.action)) {
      if (component.kind !== 'connector') throw new FaultRequestError(`${request.action} is a link fault; target a connector, group or relay`);
      await this.#linkFault(component, request, undefined);
      return this.#record(request, name);
    }
    const actsOn = ACTS_ON[request.action];
    if (actsOn && !actsOn.includes(component.state)) {
      // Refused (409), not recorded: pausing a dead connector would otherwise answer ok and do nothing.
      throw new Error(`${name} is ${component.state}; ${request.action} acts on a process that is ${actsOn.join(' or ')}`);
    }
    this.#record(request, name);
    switch (request.action) {
      case 'kill':
        component.kill();
        break;
      case 'pause':
        component.pause();
        break;
      case 'resume':
        component.resume();
        break;
      case 'terminate':
        void component.terminate();
        break;
      case 'restart':
        void component.restart().catch((err: Error) => this.#log.state('restart-failed', name, err.message));
        break;
    }
    return { action: request.action, target: name };
  }

  /** Starts a rolling update of a group (connector-update.ts); answers at once, the steps follow in the timeline. */
  #update(group: string): FaultResult {
    const members = this.#targets.connectorsOfGroup(group);
    if (!members) throw new FaultRequestError(`no group "${group}" in this sim`);
    if (members.length === 0) throw new FaultRequestError(`group "${group}" has no connector to update`);
    const result = this.#record(
      { action: 'update', target: { kind: 'group', name: group }, params: {} },
      `group:${group}`,
      `${members.length} connector(s), one at a time`,
    );
    void updateGroup(group, members, this.#settings.failoverMode, this.#log);
    return result;
  }

  /**
   * An administrator's move: every relay records the new assignment now; the connector serves the
   * new group from its next configuration pull (the relay reports `connector-moved` then).
   */
  async #move(connector: ComponentProcess, group: string): Promise<FaultResult> {
    if (!this.#targets.connectorsOfGroup(group)) throw new FaultRequestError(`no group "${group}" in this sim`);
    const relays = this.#targets.all('relay').filter((r) => r.state === 'running');
    await Promise.all(relays.map((relay) => relay.command({ action: 'assign', connector: connector.id, group })));
    this.#targets.assign(connector, group);
    const request = { action: 'move', target: { kind: 'connector', name: connector.id }, params: { group } } as const;
    return this.#record(
      request,
      `connector:${connector.id}`,
      `to group ${group}; serves it from its next configuration pull (every ${this.#settings.configRefreshMs} ms)`,
    );
  }

  #record(request: FaultRequest, target: string, detail?: string): FaultResult {
    this.#log.fault(request.action, target, detail ?? (Object.keys(request.params).length ? JSON.stringify(request.params) : undefined));
    return { action: request.action, target, ...(detail ? { detail } : {}) };
  }

  #require(kind: 'connector' | 'relay' | 'backend', id: string): ComponentProcess {
    const component = this.#targets.component(kind, id);
    if (!component) throw new FaultRequestError(`no ${kind} "${id}" in this sim`);
    return component;
  }

  /**
   * `group:<name>` picks one member at random and says which: a running one, except that `resume`
   * picks a paused one and `restart` may pick one that is down.
   */
  #pickMember(group: string, action: FaultRequest['action']): ComponentProcess {
    const members = this.#targets.connectorsOfGroup(group);
    if (!members) throw new FaultRequestError(`no group "${group}" in this sim`);
    const wanted = action === 'resume' ? ['paused'] : action === 'restart' ? ['running', 'exited'] : ['running'];
    const candidates = members.filter((c) => wanted.includes(c.state));
    if (candidates.length === 0) throw new FaultRequestError(`group "${group}" has no ${wanted.join(' or ')} connector to ${action}`);
    return candidates[Math.floor(Math.random() * candidates.length)]!;
  }

  async #linkFault(connector: ComponentProcess, request: FaultRequest, relay: string | undefined): Promise<void> {
    const on = relay === undefined ? {} : { relay };
    if (request.action === 'partition') await connector.command({ action: 'partition', ...on });
    else if (request.action === 'heal') await connector.command({ action: 'heal', ...on });
    else for (const toxic of toxicsFor(request)) await connector.command({ action: 'add-toxic', ...on, toxic });
  }
}

function directions(direction: 'both' | 'upstream' | 'downstream'): ('upstream' | 'downstream')[] {
  return direction === 'both' ? ['upstream', 'downstream'] : [direction];
}

/** The toxiproxy-style toxics a link-fault request stands for. */
function toxicsFor(request: FaultRequest): ToxicSpec[] {
  switch (request.action) {
    case 'latency': {
      const p: FaultParams['latency'] = request.params;
      return directions(p.direction).map((stream) => ({
        type: 'latency',
        stream,
        toxicity: p.toxicity,
        attributes: { latency: p.latencyMs, jitter: p.jitterMs },
      }));
    }
    case 'bandwidth': {
      const p: FaultParams['bandwidth'] = request.params;
      return directions(p.direction).map((stream) => ({ type: 'bandwidth', stream, toxicity: p.toxicity, attributes: { rate: p.rateKBps } }));
    }
    case 'reset': {
      const p: FaultParams['reset'] = request.params;
      return directions(p.direction).map((stream) => ({ type: 'reset_peer', stream, toxicity: p.toxicity, attributes: { timeout: p.afterMs } }));
    }
    default:
      return [];
  }
}
