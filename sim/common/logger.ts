import { pino, type Logger } from 'pino';

export type { Logger };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * One logger per process. Logs go to stderr so that stdout stays free for machine-readable output
 * (`npm run sim -- --json` promises its first stdout line is the ready event).
 */
export function createProcessLogger(name: string, level: LogLevel): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}
