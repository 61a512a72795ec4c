import { spawn } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../loadtests/cli.ts', import.meta.url));
const PLAN_CLI = fileURLToPath(new URL('../../loadtests/plan/plan-cli.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The run directory it wrote, if any. */
  runDir: string | undefined;
}

/** Runs `npm run load -- <args>` (the CLI entry itself) with results in a fresh temp dir. */
export function runLoadCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return runCli(CLI, args, options);
}

/** Runs `npm run plan -- <args>` likewise. */
export function runPlanCli(args: string[], options: { timeoutMs?: number } = {}): Promise<CliRun> {
  return runCli(PLAN_CLI, args, options);
}

interface CliOptions {
  timeoutMs?: number;
  onStarted?: () => void;
  /** Sends the CLI one SIGINT (a Ctrl-C) once its stderr matches. */
  interruptWhen?: RegExp;
}

async function runCli(cli: string, args: string[], options: CliOptions): Promise<CliRun> {
  const out = await mkdtemp(join(tmpdir(), 'relay-sim-results-'));
  const child = spawn(process.execPath, ['--import', TSX, cli, ...args, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  let interrupted = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
    if (options.interruptWhen && !interrupted && options.interruptWhen.test(stderr)) interrupted = child.kill('SIGINT');
  });
  options.onStarted?.();
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  const entries = await readdir(out);
  return { code, stdout, stderr, runDir: entries[0] ? join(out, entries[0]) : undefined };
}
