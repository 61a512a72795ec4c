import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { createProcessLogger, type LogLevel, type Logger } from './logger.ts';
import { formatZodError } from './zod-errors.ts';

/** What a component's `start` hands back to the runtime. */
export interface RunningComponent {
  /** Bound ports by role, reported to the controller (tests bind port 0 and learn the real ones). */
  readonly ports: Readonly<Record<string, number>>;
  /** Resolves when the component can serve (a connector: once a control channel is registered). */
  readonly ready: Promise<void>;
  /** Graceful, bounded shutdown. */
  close(): Promise<void>;
  /** Handles a command from the sim controller (e.g. a link fault); resolves with its result. */
  command?(command: unknown): Promise<unknown>;
}

/** IPC messages the sim controller sends to a component. */
export interface CommandMessage {
  readonly type: 'command';
  readonly id: number;
  readonly command: unknown;
}

/**
 * The component's configuration, sent over IPC right after spawn. It holds secrets (the connector
 * token, the administrator token, private keys), so it never goes on the command line or in the
 * environment, where any local user could read it in /proc/<pid>/cmdline or environ.
 */
export interface ConfigMessage {
  readonly type: 'config';
  readonly config: unknown;
}

const CONFIG_WAIT_MS = 10_000;

/** IPC messages a component sends to the sim controller. */
export type ComponentEvent =
  | { readonly type: 'listening'; readonly ports: Readonly<Record<string, number>> }
  | { readonly type: 'ready' }
  /** Start-up failed; `reason` says what to fix (sent just before the process exits). */
  | { readonly type: 'failed'; readonly reason: string }
  /** Something the controller's timeline should show (e.g. the relay declaring a connector dead). */
  | { readonly type: 'event'; readonly action: string; readonly target: string; readonly detail?: string }
  | { readonly type: 'command-result'; readonly id: number; readonly ok: boolean; readonly result?: unknown; readonly error?: string };

/** Reports a timeline event to the sim controller (a no-op when run standalone). */
export type EventReporter = (action: string, target: string, detail?: string) => void;

export interface ComponentEntry<C> {
  readonly name: string;
  readonly schema: z.ZodType<C>;
  start(config: C, log: Logger, report: EventReporter): Promise<RunningComponent>;
}

const CLOSE_BOUND_MS = 35_000;

/**
 * Process entry shared by relay, connector and backend: takes its configuration from the sim
 * controller over IPC (or `--config <json>` / RELAY_SIM_CONFIG when run by hand or in a container),
 * validates it once, starts the component,
 * reports ports and readiness over IPC, and shuts down on SIGTERM/SIGINT or when the controller dies.
 */
export async function runComponent<C>(entry: ComponentEntry<C>): Promise<void> {
  const { values } = parseArgs({
    options: { config: { type: 'string' }, 'log-level': { type: 'string' } },
    allowPositionals: false,
  });
  const level = (values['log-level'] ?? process.env['RELAY_SIM_LOG_LEVEL'] ?? 'info') as LogLevel;
  const log = createProcessLogger(entry.name, level);
  const config = parseConfig(entry, values.config ?? process.env['RELAY_SIM_CONFIG'] ?? (await configFromController(entry.name)));

  const reportEvent: EventReporter = (action, target, detail) => report({ type: 'event', action, target, ...(detail ? { detail } : {}) });
  const running = await entry.start(config, log, reportEvent).catch((err: NodeJS.ErrnoException & { port?: number; address?: string }) => {
    const reason = err.code === 'EADDRINUSE' ? `port ${err.port} on ${err.address} is already in use by another process` : err.message;
    log.fatal({ err }, `${entry.name} failed to start: ${reason}`);
    // Exit only once the controller has the reason (IPC sends are asynchronous).
    if (process.send) process.send({ type: 'failed', reason } satisfies ComponentEvent, () => process.exit(1));
    else process.exit(1);
    return new Promise<never>(() => undefined);
  });
  report({ type: 'listening', ports: running.ports });
  log.info({ ports: running.ports }, `${entry.name} listening`);
  void running.ready.then(() => report({ type: 'ready' }));
  process.on('message', (message: CommandMessage) => {
    if (message?.type !== 'command') return;
    const handle = running.command ?? (() => Promise.reject(new Error(`${entry.name} takes no commands`)));
    handle(message.command).then(
      (result) => report({ type: 'command-result', id: message.id, ok: true, result }),
      (err: Error) => report({ type: 'command-result', id: message.id, ok: false, error: err.message }),
    );
  });

  let closing = false;
  const shutdown = (reason: string) => {
    if (closing) return;
    closing = true;
    log.info({ reason }, `${entry.name} shutting down`);
    const force = setTimeout(() => process.exit(1), CLOSE_BOUND_MS);
    force.unref();
    running.close().then(
      () => process.exit(0),
      (err: Error) => {
        log.error({ err }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // The IPC channel closes when the controller dies, even by SIGKILL: never outlive it as an orphan.
  process.on('disconnect', () => process.exit(0));
}

/** Waits for the controller's `config` message; undefined when there is no controller. */
async function configFromController(name: string): Promise<string | undefined> {
  if (!process.send) return undefined;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      process.stderr.write(`${name}: the sim controller sent no configuration within ${CONFIG_WAIT_MS} ms\n`);
      process.exit(2);
    }, CONFIG_WAIT_MS);
    const onMessage = (message: ConfigMessage) => {
      if (message?.type !== 'config') return;
      clearTimeout(timer);
      process.off('message', onMessage);
      resolve(JSON.stringify(message.config));
    };
    process.on('message', onMessage);
  });
}

function parseConfig<C>(entry: ComponentEntry<C>, raw: string | undefined): C {
  if (!raw) {
    process.stderr.write(`${entry.name}: pass the configuration as --config '<json>' or RELAY_SIM_CONFIG, or start it with npm run sim\n`);
    process.exit(2);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    process.stderr.write(`${entry.name}: --config is not valid JSON: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const parsed = entry.schema.safeParse(json);
  if (!parsed.success) {
    process.stderr.write(`${entry.name}: invalid configuration:\n${formatZodError(parsed.error)}\n`);
    process.exit(2);
  }
  return parsed.data;
}

function report(event: ComponentEvent): void {
  process.send?.(event);
}
