import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BIN = fileURLToPath(new URL('../../bin/relay-sim.mjs', import.meta.url));
const run = promisify(execFile);

test('the relay-sim bin runs the load CLI without npm: a run, a clean stdout, and `report` rebuilds it', async () => {
  const out = await mkdtemp(join(tmpdir(), 'relay-sim-bin-'));
  const load = await run(process.execPath, [BIN, 'load', 'get', '--rate', '30', '--duration', '2s', '--metrics-port', '0', '--json', '--results-dir', out]);
  const summary = JSON.parse(load.stdout);
  assert.ok(summary.http.requests >= 55, `${summary.http.requests} requests`);
  const [runDir] = await readdir(out);
  const report = await run(process.execPath, [BIN, 'report', join(out, runDir!)]);
  assert.match(report.stderr, /results: .*report\.html/);
  await assert.rejects(
    run(process.execPath, [BIN, 'nonsense']),
    (err: { code: number; stderr: string }) => err.code === 2 && /usage: relay-sim/.test(err.stderr),
  );
});
