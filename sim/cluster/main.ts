import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DEFAULT_BASE_PORT, ephemeralWarning, PROMETHEUS_PORT_OFFSET } from './port-plan.ts';
import { headroomWarning } from '../connector/capacity-model.ts';
import { formatEndpointTable } from './endpoint-table.ts';
import { SimCluster } from './sim-cluster.ts';
import { DEFAULT_TOPOLOGY_PATH, loadTopologyFile, TopologyError } from './topology.ts';
import { findPrometheus, LocalPrometheus } from './local-prometheus.ts';

const USAGE = `usage: npm run sim -- [--topology FILE] [--connectors N] [--base-port P] [--json] [--log-level LEVEL]

  --topology FILE   topology YAML (default sim/topologies/default.yaml)
  --connectors N    connectors per group, overriding the topology
  --base-port P     shift every port so the relay's public port is P (0 = ephemeral ports)
  --json            print one machine-readable ready line ({"event":"ready",...}) instead of the table
  --prometheus      also start Debian's prometheus against the sim (1 s scrapes, temporary data)
  --log-level L     component log level: fatal, error, warn (default), info, debug`;

function usageError(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function parseCli() {
  try {
    const { values } = parseArgs({
      options: {
        topology: { type: 'string', default: DEFAULT_TOPOLOGY_PATH },
        connectors: { type: 'string' },
        'base-port': { type: 'string', default: String(DEFAULT_BASE_PORT) },
        json: { type: 'boolean', default: false },
        prometheus: { type: 'boolean', default: false },
        'log-level': { type: 'string', default: 'warn' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const basePort = Number(values['base-port']);
    if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65535) usageError(`--base-port must be a port number, got ${values['base-port']}`);
    const connectors = values.connectors === undefined ? undefined : Number(values.connectors);
    if (connectors !== undefined && (!Number.isInteger(connectors) || connectors < 0 || connectors > 500)) {
      usageError(`--connectors must be a whole number from 0 to 500, got ${values.connectors}`);
    }
    if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(values['log-level'])) {
      usageError(`--log-level must be one of fatal, error, warn, info, debug, trace, silent`);
    }
    return { topologyPath: values.topology, connectors, basePort, json: values.json, logLevel: values['log-level'], prometheus: values.prometheus };
  } catch (err) {
    usageError((err as Error).message);
  }
}

const cli = parseCli();
const topology = await loadTopologyFile(cli.topologyPath).catch((err: Error) => {
  if (err instanceof TopologyError) usageError(err.message);
  throw err;
});

const progress = (message: string) => {
  if (!cli.json) process.stderr.write(`  ${message}\n`);
};
let cluster: SimCluster;
try {
  cluster = new SimCluster(topology, {
    basePort: cli.basePort,
    logLevel: cli.logLevel,
    onProgress: progress,
    ...(cli.connectors === undefined ? {} : { connectorsPerGroup: cli.connectors }),
  });
} catch (err) {
  usageError((err as Error).message);
}

let prometheus: LocalPrometheus | undefined;
let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  progress(`${signal}: stopping every component...`);
  await prometheus?.close();
  await cluster.close();
  progress('stopped.');
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

progress(`starting relay-sim from ${cli.topologyPath}`);
const ephemeral = ephemeralWarning(cluster.plannedPorts());
if (ephemeral) process.stderr.write(`warning: ${ephemeral}\n`);
const headroom = headroomWarning(cluster.topology.groups);
if (headroom) process.stderr.write(`warning: ${headroom}\n`);
try {
  await cluster.start();
} catch (err) {
  process.stderr.write(
    `relay-sim failed to start: ${(err as Error).message}\n` +
      (cli.basePort !== 0 ? `If a port is taken, pick others with --base-port (for example --base-port 18080), or --base-port 0 for free ports.\n` : ''),
  );
  process.exit(1);
}
const view = cluster.view();
if (cli.prometheus) {
  const binary = findPrometheus();
  if (!binary) {
    process.stderr.write('--prometheus: no prometheus binary found. Install it with: sudo apt-get install prometheus\n');
  } else {
    const port = cli.basePort === 0 ? 0 : cli.basePort + PROMETHEUS_PORT_OFFSET;
    prometheus = new LocalPrometheus(binary, view.controlUrl, `127.0.0.1:${port || 19090}`);
    await prometheus.start().then(
      (url) => progress(`Prometheus: ${url} (scraping every component each second)`),
      (err: Error) => process.stderr.write(`--prometheus: ${err.message}\n`),
    );
  }
}
cluster.startFaultPlan();
if (topology.faults.length > 0) progress(`fault plan: ${topology.faults.map((f) => `${f.action} ${f.target} at ${f.at} ms`).join('; ')}`);
// With TLS on, clients need the relay CA: write it where curl --cacert can find it.
let caFile: string | undefined;
if (view.tls) {
  caFile = fileURLToPath(new URL('../../results/relay-ca.pem', import.meta.url));
  await mkdir(dirname(caFile), { recursive: true });
  await writeFile(caFile, view.tls.caCertificatePem);
}
process.stdout.write(cli.json ? `${JSON.stringify({ event: 'ready', ...view })}\n` : `\n${formatEndpointTable(view, caFile)}\n`);
