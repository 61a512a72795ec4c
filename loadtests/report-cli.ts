/**
 * `relay-sim report DIR [--compare OTHER] [--percentiles 50,99.5,99.99]`: rebuilds a run's
 * report.md and report.html from its summary.json and samples.ndjson.gz (after an upgrade of the
 * report, or to compare two runs after the fact), and prints any percentile of each scenario
 * from its `.hlog` (raw latencies). `relay-sim compare A B` is `report A --compare B`.
 * Exit 2 when a directory is not a run.
 */
import { join } from 'node:path';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { readHlog } from './report/hlog.ts';
import { parseArgs } from 'node:util';
import { readRun } from './report/results.ts';
import { renderHtml, renderMarkdown } from './report/report.ts';

const USAGE = 'usage: relay-sim report RUN_DIR [--compare OTHER_RUN_DIR] [--percentiles 50,99.5,99.99]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { compare: { type: 'string' }, percentiles: { type: 'string' } } });
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
const wanted = parsed.values.percentiles?.split(',').map(Number);
if (wanted?.some((p) => !(p > 0 && p <= 100))) fail(`--percentiles takes numbers in (0, 100], comma-separated; got ${parsed.values.percentiles}`);
for (const [scenario, text] of wanted ? Object.entries(run.hlogs ?? {}) : []) {
  const histogram = readHlog(text).histogram;
  const figures = wanted!.map((p) => `p${p} ${(histogram.getValueAtPercentile(p) / 1000).toFixed(3)} ms`);
  process.stdout.write(`${scenario}: ${histogram.totalCount} requests, ${figures.join(', ')}\n`);
}
process.stderr.write(`results: ${join(dir, 'report.html')}\n`);
