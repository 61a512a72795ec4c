import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

/** Debian's Chromium, when installed (.ci/run installs it); tests that need it skip without it. */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
export const NO_CHROMIUM = 'chromium is not installed (apt-get install chromium; .ci/run installs it)';

/** Loads `file` in headless Chromium and returns the DOM after its scripts ran, and Chromium's log. */
export async function dumpDom(file: string, windowSize = '1400,4000'): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(
    CHROMIUM!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--enable-logging=stderr',
      '--v=0',
      `--window-size=${windowSize}`,
      '--dump-dom',
      `file://${file}`,
    ],
    { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
}
