import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { renderHtml, renderMarkdown, type RunData } from './report.ts';
import type { Summary } from './summary.ts';
import type { SecondSample } from '../run/run-profile.ts';

/** WebSocket round-trip times; the dot keeps it apart from scenarios' `.hlog` files (scenario names have none). */
const WS_RTT_HLOG = 'ws.rtt.hlog';

/** Writes results/<run-id>/: summary.json, samples.ndjson.gz, <scenario>.hlog, report.md, report.html (DESIGN 3.6). */
export async function writeRun(dir: string, run: RunData, compare?: RunData): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'summary.json'), `${JSON.stringify(run.summary, null, 2)}\n`);
  await pipeline(Readable.from(run.samples.map((s) => `${JSON.stringify(s)}\n`)), createGzip(), createWriteStream(join(dir, 'samples.ndjson.gz')));
  for (const [scenario, text] of Object.entries(run.hlogs ?? {})) await writeFile(join(dir, `${scenario}.hlog`), text);
  if (run.wsRttHlog) await writeFile(join(dir, WS_RTT_HLOG), run.wsRttHlog);
  await writeFile(join(dir, 'report.md'), renderMarkdown(run, compare));
  await writeFile(join(dir, 'report.html'), renderHtml(run, compare));
}

/** Reads a run back from its directory (for --compare, or to rebuild a report). */
export async function readRun(dir: string): Promise<RunData> {
  const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as Summary;
  const samples: SecondSample[] = [];
  const lines = createInterface({ input: createReadStream(join(dir, 'samples.ndjson.gz')).pipe(createGunzip()) });
  for await (const line of lines) if (line.trim()) samples.push(JSON.parse(line) as SecondSample);
  const hlogs: Record<string, string> = {};
  const files = await readdir(dir);
  for (const file of files.filter((f) => f.endsWith('.hlog') && f !== WS_RTT_HLOG).sort())
    hlogs[file.slice(0, -'.hlog'.length)] = await readFile(join(dir, file), 'utf8');
  const wsRttHlog = files.includes(WS_RTT_HLOG) ? await readFile(join(dir, WS_RTT_HLOG), 'utf8') : undefined;
  return { summary, samples, hlogs, ...(wsRttHlog !== undefined && { wsRttHlog }) };
}
