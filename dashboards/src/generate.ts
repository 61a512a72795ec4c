/**
 * `npm run dashboards`: builds every dashboard with the Grafana Foundation SDK and writes the
 * committed classic JSON to dashboards/<uid>.json. A test checks the output is reproduced byte for byte.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { connectorGroups } from './connector-groups.ts';
import { loadTest } from './load-test.ts';
import { nodeRuntime } from './node-runtime.ts';
import { relayOverview } from './relay-overview.ts';

export const DASHBOARDS: Record<string, () => DashboardBuilder> = {
  'relay-overview': relayOverview,
  'connector-groups': connectorGroups,
  'load-test': loadTest,
  'node-runtime': nodeRuntime,
};

export const DASHBOARD_DIR = fileURLToPath(new URL('..', import.meta.url));

export function renderDashboard(build: () => DashboardBuilder): string {
  return `${JSON.stringify(build().build(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, build] of Object.entries(DASHBOARDS)) {
    const file = `${DASHBOARD_DIR}${name}.json`;
    await writeFile(file, renderDashboard(build));
    process.stdout.write(`wrote ${file}\n`);
  }
}
