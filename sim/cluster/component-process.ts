import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ComponentEvent } from '../common/component-runtime.ts';

export type ComponentKind = 'relay' | 'connector' | 'backend';
export type ProcessState = 'starting' | 'running' | 'exited';

const ENTRY_POINTS: Record<ComponentKind, string> = {
  relay: fileURLToPath(new URL('../relay/main.ts', import.meta.url)),
  connector: fileURLToPath(new URL('../connector/main.ts', import.meta.url)),
  backend: fileURLToPath(new URL('../backend/main.ts', import.meta.url)),
};
const TSX_LOADER = import.meta.resolve('tsx');

export class ComponentStartError extends Error {
  readonly code = 'component_start_failed';
  readonly retryable = false;
}

/**
 * One simulated component as its own OS process. It reports its bound ports and readiness over
 * IPC; its logs go to our stderr so our stdout stays machine-readable.
 */
export class ComponentProcess {
  readonly kind: ComponentKind;
  readonly id: string;
  #child: ChildProcess | undefined;
  #state: ProcessState = 'starting';
  #ports: Readonly<Record<string, number>> = {};
  #exited: Promise<number | null> = Promise.resolve(null);
  readonly #config: unknown;
  readonly #logLevel: string;

  constructor(kind: ComponentKind, id: string, config: unknown, logLevel: string) {
    this.kind = kind;
    this.id = id;
    this.#config = config;
    this.#logLevel = logLevel;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get state(): ProcessState {
    return this.#state;
  }

  get ports(): Readonly<Record<string, number>> {
    return this.#ports;
  }

  /** Spawns the process; resolves once it is listening (ports known) and, if asked, ready. */
  start(options: { waitReady: boolean; timeoutMs: number }): Promise<void> {
    const child = spawn(
      process.execPath,
      ['--import', TSX_LOADER, ENTRY_POINTS[this.kind], '--config', JSON.stringify(this.#config), '--log-level', this.#logLevel],
      { stdio: ['ignore', 2, 2, 'ipc'] },
    );
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => {
      this.#state = 'exited';
      resolve(code);
    }));
    return new Promise((resolve, reject) => {
      const fail = (reason: string) => {
        clearTimeout(timer);
        reject(new ComponentStartError(`${this.id} ${reason}; its log is above`));
      };
      const timer = setTimeout(() => fail(`did not become ready within ${options.timeoutMs} ms`), options.timeoutMs);
      child.once('exit', (code, signal) => fail(`exited during startup (code ${code ?? signal})`));
      child.on('message', (event: ComponentEvent) => {
        if (event.type === 'listening') this.#ports = event.ports;
        if (event.type === 'ready' || (event.type === 'listening' && !options.waitReady)) {
          clearTimeout(timer);
          this.#state = 'running';
          resolve();
        }
      });
    });
  }

  /** Sends `signal`, then SIGKILL if the process is still there after `graceMs`. Idempotent. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    const child = this.#child;
    if (!child || this.#state === 'exited') return;
    child.kill(signal);
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(killer);
  }
}
