import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

/** Where Debian's package installs it; PATH is searched too. */
export function findPrometheus(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(':').concat('/usr/bin')) {
    const candidate = join(dir, 'prometheus');
    if (statSync(candidate, { throwIfNoEntry: false })?.isFile()) return candidate;
  }
  return undefined;
}

/**
 * Where running load runners list themselves for Prometheus (file_sd, one `load-<pid>.json` each,
 * removed when the run ends): the `load` job has targets only while a run lasts, never a red one.
 */
export const LOADGEN_SD_DIR = fileURLToPath(new URL('../../results/prometheus-sd', import.meta.url));

/** A Prometheus config that discovers every sim component through the control API's /sd, and load runners through `sdDir`. */
export function localPrometheusConfig(controlUrl: string, sdDir = LOADGEN_SD_DIR): string {
  return [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: relay-sim',
    '    http_sd_configs:',
    `      - url: ${controlUrl}/sd`,
    '        refresh_interval: 2s',
    '  - job_name: load',
    '    file_sd_configs:',
    `      - files: ['${sdDir}/load-*.json']`,
    '        refresh_interval: 2s',
    '',
  ].join('\n');
}

/**
 * A real Prometheus (Debian's `prometheus`) scraping the local sim every second, with its data in
 * a temporary directory that is removed on close.
 */
export class LocalPrometheus {
  readonly #binary: string;
  readonly #controlUrl: string;
  readonly #listen: string;
  readonly #sdDir: string;
  #child: ChildProcess | undefined;
  #dir: string | undefined;

  constructor(binary: string, controlUrl: string, listen: string, sdDir = LOADGEN_SD_DIR) {
    this.#binary = binary;
    this.#controlUrl = controlUrl;
    this.#listen = listen;
    this.#sdDir = sdDir;
  }

  get url(): string {
    return `http://${this.#listen}`;
  }

  async start(timeoutMs = 30_000): Promise<string> {
    this.#dir = await mkdtemp(join(tmpdir(), 'relay-sim-prometheus-'));
    const config = join(this.#dir, 'prometheus.yml');
    await mkdir(this.#sdDir, { recursive: true });
    await writeFile(config, localPrometheusConfig(this.#controlUrl, this.#sdDir));
    this.#child = spawn(
      this.#binary,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(this.#dir, 'data')}`,
        `--web.listen-address=${this.#listen}`,
        '--web.enable-remote-write-receiver',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    this.#child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#child.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
      const ready = await fetch(`${this.url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return this.url;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`prometheus did not become ready within ${timeoutMs} ms: ${stderr}`);
  }

  async close(): Promise<void> {
    if (this.#child && this.#child.exitCode === null) {
      this.#child.kill('SIGTERM');
      await Promise.race([once(this.#child, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
      if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
    }
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
  }
}
