import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOADGEN_SD_DIR } from '../../sim/cluster/local-prometheus.ts';

/**
 * The load runner's entry in Prometheus file-based discovery: `load-<pid>.json` in the sim's
 * discovery directory while the run lasts, removed when it ends, so the `load` job of
 * `npm run sim -- --prometheus` has a target only while a run does (never a red one in between).
 * Entries left by runners that died are removed by the next runner.
 */
export class LoadgenDiscovery {
  readonly #dir: string;
  readonly #file: string;

  constructor(dir = LOADGEN_SD_DIR, pid = process.pid) {
    this.#dir = dir;
    this.#file = join(dir, `load-${pid}.json`);
  }

  /** Lists `address` (host:port of the runner's /metrics); a failure is reported, never fatal to the run. */
  async register(address: string, labels: Record<string, string>): Promise<string | undefined> {
    try {
      await mkdir(this.#dir, { recursive: true });
      await this.#removeStale();
      // Written whole and renamed, so Prometheus never reads half a file.
      await writeFile(`${this.#file}.tmp`, JSON.stringify([{ targets: [address], labels }]));
      await rename(`${this.#file}.tmp`, this.#file);
      return undefined;
    } catch (err) {
      return `Prometheus discovery: cannot write ${this.#file}: ${(err as Error).message}`;
    }
  }

  async unregister(): Promise<void> {
    await rm(this.#file, { force: true });
  }

  async #removeStale(): Promise<void> {
    for (const name of await readdir(this.#dir)) {
      const pid = Number(/^load-(\d+)\.json$/.exec(name)?.[1]);
      if (pid && !alive(pid)) await rm(join(this.#dir, name), { force: true });
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
