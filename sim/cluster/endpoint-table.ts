import type { TopologyView } from './topology-view.ts';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, col) => cell.padEnd(widths[col]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * The human-readable summary `npm run sim` prints once everything is ready.
 * @param caFile where the relay CA was written, with `tls: on`
 */
export function formatEndpointTable(view: TopologyView, caFile?: string): string {
  const relay = view.relays[0];
  const curl = caFile ? `curl --cacert ${caFile}` : 'curl';
  const apps = table([['APP', 'GROUP', 'EXTERNAL URL', 'TRY'], ...view.apps.map((a) => [a.name, a.group, a.externalUrl, `${curl} ${a.externalUrl}/echo`])]);
  const components = table([
    ['COMPONENT', 'PID', 'METRICS'],
    ...view.relays.map((r) => [r.id, String(r.pid ?? '-'), r.metricsUrl]),
    ...view.connectors.map((c) => [`${c.id} (${c.group})`, String(c.pid ?? '-'), c.metricsUrl]),
    ...view.backends.map((b) => [b.id, String(b.pid ?? '-'), b.metricsUrl]),
  ]);
  return [
    'relay-sim is ready.',
    '',
    apps,
    '',
    `Node clients: connect to ${relay?.publicUrl ?? '?'} and set the Host header (Node does not resolve *.localhost).`,
    ...(caFile ? [`TLS is on: users and connectors trust the relay CA in ${caFile}; connectors registered with it and use mutual TLS.`] : []),
    '',
    components,
    '',
    `Control API: ${view.controlUrl}/topology  ${view.controlUrl}/sd`,
    'Press Ctrl-C to stop everything.',
  ].join('\n');
}
