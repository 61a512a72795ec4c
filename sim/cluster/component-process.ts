import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CommandMessage, ComponentEvent, ConfigMessage } from '../common/component-runtime.ts';
import { SimError } from '../common/sim-error.ts';

export type ComponentKind = 'relay' | 'connector' | 'backend';
export type ProcessState = 'starting' | 'running' | 'paused' | 'draining' | 'exited';

const ENTRY_POINTS: Record<ComponentKind, string> = {
  relay: fileURLToPath(new URL('../relay/main.ts', import.meta.url)),
  connector: fileURLToPath(new URL('../connector/main.ts', import.meta.url)),
  backend: fileURLToPath(new URL('../backend/main.ts', import.meta.url)),
};
const TSX_LOADER = import.meta.resolve('tsx');
/** `RELAY_SIM_CPU_PROF=DIR` profiles every component (V8 .cpuprofile files in DIR, written at exit). */
const PROFILE_ARGS = process.env.RELAY_SIM_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RELAY_SIM_CPU_PROF}`] : [];
const COMMAND_TIMEOUT_MS = 5000;

export class ComponentStartError extends SimError<'component_start_failed'> {
  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super('component_start_failed', message, options);
  }
}

export interface ComponentSpec {
  readonly kind: ComponentKind;
  readonly id: string;
  readonly config: unknown;
  /** The same config pinned to the ports bound at first start, so a restart comes back on them. */
  readonly pinPorts: (config: unknown, ports: Readonly<Record<string, number>>) => unknown;
  readonly logLevel: string;
  /** Lifecycle changes, for the controller's event timeline. */
  readonly onState?: (component: ComponentProcess, state: ProcessState, previous: ProcessState, detail?: string) => void;
  /** Timeline events the component reports itself. */
  readonly onEvent?: (action: string, target: string, detail?: string) => void;
}

/**
 * One simulated component as its own OS process. It reports its bound ports and readiness over
 * IPC, takes commands over IPC, and can be killed, paused, resumed and restarted with the same id.
 * Its logs go to our stderr so our stdout stays machine-readable.
 */
export class ComponentProcess {
  readonly kind: ComponentKind;
  readonly id: string;
  #child: ChildProcess | undefined;
  #state: ProcessState = 'starting';
  #ports: Readonly<Record<string, number>> = {};
  #exited: Promise<number | null> = Promise.resolve(null);
  #config: unknown;
  #commandSeq = 0;
  /** Set by stop(): a restart under way must not bring the process back (an orphan). */
  #retired = false;
  /** Why the last start failed, as the component reported it. */
  #failure: string | undefined;
  #stopping = false;
  /** Resolves the pending start() once the process is listening (or ready). */
  #whenUp: (() => void) | undefined;
  readonly #spec: ComponentSpec;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  constructor(spec: ComponentSpec) {
    this.kind = spec.kind;
    this.id = spec.id;
    this.#spec = spec;
    this.#config = spec.config;
  }

  get pid(): number | undefined {
    return this.#state === 'exited' ? undefined : this.#child?.pid;
  }

  get state(): ProcessState {
    return this.#state;
  }

  get ports(): Readonly<Record<string, number>> {
    return this.#ports;
  }

  /** Spawns the process; resolves once it is listening (ports known) and, if asked, ready. */
  start(options: { waitReady: boolean; timeoutMs: number }): Promise<void> {
    this.#stopping = false;
    this.#failure = undefined;
    const child = spawn(process.execPath, [...PROFILE_ARGS, '--import', TSX_LOADER, ENTRY_POINTS[this.kind], '--log-level', this.#spec.logLevel], {
      stdio: ['ignore', 2, 2, 'ipc'],
    });
    // Over IPC, not argv or env: the config carries credentials (see ConfigMessage).
    child.send({ type: 'config', config: this.#config } satisfies ConfigMessage);
    this.#child = child;
    this.#setState('starting');
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.#setState('exited', this.#stopping ? 'stopped' : `exited unexpectedly (${code ?? signal})`);
        for (const [, pending] of this.#pending) pending.reject(new Error(`${this.id} exited`));
        this.#pending.clear();
        resolve(code);
      }),
    );
    child.on('message', (event: ComponentEvent) => this.#onMessage(event, options.waitReady));
    return new Promise((resolve, reject) => {
      const fail = (reason: string) => {
        clearTimeout(timer);
        reject(new ComponentStartError(`${this.id} ${reason}${this.#failure ? '' : '; its log is above'}`));
      };
      const timer = setTimeout(() => fail(`did not become ready within ${options.timeoutMs} ms`), options.timeoutMs);
      child.once('exit', (code, signal) => fail(this.#failure ? `could not start: ${this.#failure}` : `exited during startup (code ${code ?? signal})`));
      const onUp = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#whenUp = onUp;
    });
  }

  #onMessage(event: ComponentEvent, waitReady: boolean): void {
    if (event.type === 'listening') {
      if (Object.keys(this.#ports).length === 0) this.#config = this.#spec.pinPorts(this.#config, event.ports);
      this.#ports = event.ports;
    }
    if (event.type === 'ready' || (event.type === 'listening' && !waitReady)) {
      if (this.#state === 'starting') this.#setState('running');
      this.#whenUp?.();
      this.#whenUp = undefined;
    }
    if (event.type === 'failed') this.#failure = event.reason;
    if (event.type === 'event') this.#spec.onEvent?.(event.action, event.target, event.detail);
    if (event.type === 'command-result') {
      const pending = this.#pending.get(event.id);
      if (!pending) return;
      this.#pending.delete(event.id);
      clearTimeout(pending.timer);
      if (event.ok) pending.resolve(event.result);
      else pending.reject(new Error(event.error ?? 'command failed'));
    }
  }

  /** SIGKILL: a crash, as far as everyone else can tell. */
  kill(): void {
    this.#signal('SIGKILL');
  }

  /** SIGSTOP: the process freezes with its sockets open (a silent failure). */
  pause(): void {
    if (this.#signal('SIGSTOP')) this.#setState('paused');
  }

  resume(): void {
    if (this.#signal('SIGCONT')) this.#setState('running');
  }

  /** SIGTERM: a connector drains (finishes in-flight work) and exits; others shut down. */
  terminate(): Promise<void> {
    this.#stopping = true;
    if (this.#state === 'paused') this.#signal('SIGCONT');
    if (this.#signal('SIGTERM')) this.#setState('draining');
    return this.#exited.then(() => undefined);
  }

  /**
   * Drain or shut down (or, with `stop: 'kill'`, SIGKILL: in-flight work is lost), then start again
   * with the same id, config and ports; a connector is back once it is registered (`/readyz`).
   */
  async restart(timeoutMs = 60_000, stop: 'drain' | 'kill' = 'drain'): Promise<void> {
    if (this.#state !== 'exited' && stop === 'kill') {
      this.kill();
      await this.#exited;
    } else if (this.#state !== 'exited') await this.terminate();
    if (this.#retired) return; // the sim is shutting down meanwhile
    await this.start({ waitReady: this.kind === 'connector', timeoutMs });
  }

  /** Sends `signal`, then SIGKILL if the process is still there after `graceMs`. Idempotent. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    this.#retired = true;
    const child = this.#child;
    if (!child || this.#state === 'exited') return;
    this.#stopping = true;
    if (this.#state === 'paused') child.kill('SIGCONT');
    child.kill(signal);
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(killer);
  }

  /** Sends a command over IPC; resolves with the component's answer. */
  command(command: unknown): Promise<unknown> {
    const child = this.#child;
    if (!child || this.#state === 'exited' || !child.connected) return Promise.reject(new Error(`${this.id} is not running`));
    if (this.#state === 'paused') return Promise.reject(new Error(`${this.id} is paused; resume it first`));
    const id = ++this.#commandSeq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.id} did not answer within ${COMMAND_TIMEOUT_MS} ms`));
      }, COMMAND_TIMEOUT_MS);
      this.#pending.set(id, { resolve, reject, timer });
      child.send({ type: 'command', id, command } satisfies CommandMessage);
    });
  }

  #signal(signal: NodeJS.Signals): boolean {
    if (!this.#child || this.#state === 'exited') return false;
    return this.#child.kill(signal);
  }

  #setState(state: ProcessState, detail?: string): void {
    const previous = this.#state;
    this.#state = state;
    this.#spec.onState?.(this, state, previous, detail);
  }
}
