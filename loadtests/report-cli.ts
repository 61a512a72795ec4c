/**
 * `relay-sim report DIR [--compare OTHER]`: rebuilds a run's report.md and report.html from its
 * summary.json and samples.ndjson.gz (after an upgrade of the report, or to compare two runs
 * after the fact). Exit 2 when a directory is not a run.
 */
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readRun } from './report/results.ts';
import { renderHtml, renderMarkdown } from './report/report.ts';

const USAGE = 'usage: relay-sim report RUN_DIR [--compare OTHER_RUN_DIR]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { compare: { type: 'string' } } });
} catch (err) {
  fail((err as Error).message);
}
const dir = parsed.positionals[0];
if (!dir || parsed.positionals.length > 1) fail('name one run directory');
const run = await readRun(dir).catch((err: Error) => fail(`${dir} is not a run directory (summary.json, samples.ndjson.gz): ${err.message}`));
const compareDir = parsed.values.compare;
const compare = compareDir
  ? await readRun(compareDir).catch((err: Error) => fail(`--compare ${compareDir} is not a run directory: ${err.message}`))
  : undefined;
await writeFile(join(dir, 'report.md'), renderMarkdown(run, compare));
await writeFile(join(dir, 'report.html'), renderHtml(run, compare));
process.stderr.write(`results: ${join(dir, 'report.html')}\n`);
