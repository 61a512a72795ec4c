/**
 * `npm run load -- merge SEGMENT_DIR... --out DIR` (or `relay-sim merge ...`): joins the run
 * directories of a distributed run's segments (`--segment i/n`) into one run in DIR: summary,
 * seconds, `.hlog` files and report, thresholds judged on the merged figures. Exit codes as a
 * run's: 0 passed, 1 a threshold failed, 2 usage.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { basename, join, resolve } from 'node:path';
import { mergeRuns, MergeError } from './report/merge-runs.ts';
import { readRun, writeRun } from './report/results.ts';

const USAGE =
  'usage: npm run load -- merge SEGMENT_DIR... --out DIR   (the run directories of every segment of one --segment i/n run,\n' +
  '       or a directory holding them, as the load Job leaves /results)';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
} catch (err) {
  fail((err as Error).message);
}
if (parsed.values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const out = parsed.values.out ?? fail('--out DIR names where the merged run goes');
if (existsSync(resolve(out, 'summary.json'))) fail(`${out} already holds a run; merge into a new directory`);
const dirs = (await Promise.all(parsed.positionals.map(segmentDirs))).flat();
if (dirs.length === 0) fail('name the segments’ run directories, or a directory holding them');
const runs = await Promise.all(dirs.map((dir) => readRun(dir).catch((err: Error) => fail(`${dir} is not a run directory: ${err.message}`))));
let merged;
try {
  merged = mergeRuns(runs, basename(resolve(out)));
} catch (err) {
  if (err instanceof MergeError) fail(err.message);
  throw err;
}
await writeRun(out, merged);
const s = merged.summary;
process.stderr.write(
  `merged ${runs.length} segments: ${s.http.requests} requests, ${s.http.errors} errors, ${s.http.rps} req/s, p50 ${s.http.latencyMs.p50} ms, p99 ${s.http.latencyMs.p99} ms\n`,
);
const failed = s.thresholds.filter((t) => !t.ok);
for (const t of failed) process.stderr.write(`threshold failed: ${t.expr} (value ${t.value ?? 'not measured'})\n`);
process.stderr.write(`results: ${resolve(out, 'report.html')}\n`);
process.exit(failed.length ? 1 : 0);

/** A run directory as it is, or the segment runs inside a directory that is not one. */
async function segmentDirs(dir: string): Promise<string[]> {
  if (existsSync(join(dir, 'summary.json'))) return [dir];
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: Error) => fail(`${dir}: ${err.message}`));
  const found: string[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const summary = await readFile(join(dir, entry.name, 'summary.json'), 'utf8').catch(() => undefined);
    if (summary && (JSON.parse(summary) as { options?: { segment?: string } }).options?.segment) found.push(join(dir, entry.name));
  }
  return found;
}
