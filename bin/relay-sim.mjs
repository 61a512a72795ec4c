#!/usr/bin/env node
// relay-sim's command line without npm's banners: relay-sim sim|load|plan|report [args].
// Each subcommand is the module the npm script runs, loaded in this process through tsx.
import { register } from 'tsx/esm/api';

const COMMANDS = {
  sim: '../sim/cluster/main.ts',
  load: '../loadtests/load-entry.ts',
  merge: '../loadtests/merge-cli.ts',
  plan: '../loadtests/plan/plan-cli.ts',
  report: '../loadtests/report-cli.ts',
  compare: '../loadtests/report-cli.ts',
};
const [command] = process.argv.splice(2, 1);
// compare A B is report A --compare B.
if (command === 'compare' && process.argv.length >= 4) process.argv.splice(3, 0, '--compare');
if (!command || !(command in COMMANDS)) {
  process.stderr.write(
    `usage: relay-sim <command> [args]\n\n` +
      `  sim      start the simulated system (as npm run sim)\n` +
      `  load     run a load profile (as npm run load --)\n` +
      `  merge    join the segments of a distributed run: relay-sim merge SEGMENT_DIR... --out DIR\n` +
      `  plan     size a connector group (as npm run plan --)\n` +
      `  report   rebuild a run's report, and any percentile from its .hlog files:\n` +
      `           relay-sim report RUN_DIR [--compare OTHER_RUN_DIR] [--percentiles 50,99.5,99.99]\n` +
      `  compare  relay-sim compare RUN_A RUN_B: A's report with B side by side and overlaid\n\n` +
      `each takes --help\n`,
  );
  process.exit(command ? 2 : 0);
}
register();
await import(new URL(COMMANDS[command], import.meta.url).href);
