/**
 * `npm run fuzz -- --minutes 10`: runs every property in PROPERTIES round-robin until the time is
 * up, then prints the number of cases per property and any counterexample (a crash).
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { PROPERTIES } from './properties.ts';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' } } });
const minutes = Number(values.minutes);
if (!(minutes > 0)) {
  process.stderr.write('--minutes must be a positive number\n');
  process.exit(2);
}
const deadline = Date.now() + minutes * 60_000;
const cases: Record<string, number> = Object.fromEntries(Object.keys(PROPERTIES).map((k) => [k, 0]));
const crashes: string[] = [];
const BATCH = 5000;
while (Date.now() < deadline) {
  for (const [name, property] of Object.entries(PROPERTIES)) {
    const result = fc.check(property, { numRuns: BATCH });
    cases[name]! += result.numRuns;
    if (result.failed) crashes.push(`${name}: ${fc.defaultReportMessage(result) ?? 'failed'}`);
  }
  process.stderr.write(`\r${Math.round((deadline - Date.now()) / 1000)} s left, ${Object.values(cases).reduce((a, b) => a + b, 0)} cases   `);
}
const total = Object.values(cases).reduce((a, b) => a + b, 0);
console.log(`\n${total} cases in ${minutes} min, ${crashes.length} crashes`);
for (const [name, n] of Object.entries(cases)) console.log(`  ${name}: ${n}`);
for (const crash of crashes) console.log(`CRASH ${crash}`);
process.exit(crashes.length > 0 ? 1 : 0);
