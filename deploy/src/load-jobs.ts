import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, PersistentVolumeClaim } from 'kubernetes-models/v1';
import { IMAGE, PORTS } from './stack-configs.ts';
import { CONFIG_MAP } from './workloads.ts';

// Load generation in a cluster, two ways: relay-sim's runner as an indexed Job (one segment per
// pod, `--segment job/n`) with a merge Job after it, and k6's scripts as a k6-operator TestRun.

export const SEGMENTS = 4;
const RESULTS = 'relay-sim-results';
const LABELS = { 'app.kubernetes.io/name': 'relay-sim', 'app.kubernetes.io/component': 'load' };
const volumes = [
  { name: 'results', persistentVolumeClaim: { claimName: RESULTS } },
  { name: 'config', configMap: { name: CONFIG_MAP, items: [{ key: 'topology.yaml', path: 'topology.yaml' }] } },
];
const mounts = [
  { name: 'results', mountPath: '/results' },
  { name: 'config', mountPath: '/config', readOnly: true },
];

function job(name: string, args: string[], indexed: boolean): Job {
  const object = new Job({
    metadata: { name, labels: LABELS },
    spec: {
      ...(indexed ? { completionMode: 'Indexed', completions: SEGMENTS, parallelism: SEGMENTS } : {}),
      backoffLimit: 0,
      template: {
        metadata: { labels: LABELS, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9600', 'prometheus.io/path': '/metrics' } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'load',
              image: IMAGE,
              imagePullPolicy: 'IfNotPresent',
              command: ['node', '--import', 'tsx', 'loadtests/load-entry.ts', ...args],
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
    },
  });
  object.validate();
  return object;
}

/**
 * The indexed load Job (every pod one segment of the `get` profile at 800 req/s in all), the
 * volume its pods write to, and the Job that merges their runs. Apply the merge Job once the
 * load Job completes (Kubernetes has no order between Jobs).
 */
export function loadJobs() {
  const results = new PersistentVolumeClaim({
    metadata: { name: RESULTS, labels: LABELS },
    // Every segment's pod writes to it, perhaps from different nodes.
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } },
  });
  results.validate();
  const target = `http://relay:${PORTS.public}`;
  // Without a sim controller in the cluster, the apps' hosts come from the topology in the ConfigMap.
  const load = job(
    'relay-sim-load',
    [
      'get',
      '--segment',
      `job/${SEGMENTS}`,
      '--rate',
      '800',
      '--duration',
      '60s',
      '--target',
      target,
      '--topology',
      '/config/topology.yaml',
      '--results-dir',
      '/results',
      '--metrics-host',
      '0.0.0.0',
      '--quiet',
    ],
    true,
  );
  const merge = job('relay-sim-merge', ['merge', '/results', '--out', '/results/merged'], false);
  return { load: [results, load], merge: [merge] };
}

/**
 * k6's scripts (loadtests/k6) in a ConfigMap, and a k6-operator TestRun spreading `get.ts` over 4
 * runners. The TestRun is the operator's CRD (k6.io/v1alpha1), for which kubernetes-models has no
 * schema: it is written as plain data and checked by the tests for its fields only.
 */
export function k6Objects(scripts: Record<string, string>) {
  const configMap = new ConfigMap({ metadata: { name: 'relay-sim-k6-scripts', labels: LABELS }, data: scripts });
  configMap.validate();
  const testRun = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: { name: 'relay-sim-k6-get', labels: LABELS },
    spec: {
      parallelism: SEGMENTS,
      script: { configMap: { name: 'relay-sim-k6-scripts', file: 'get.ts' } },
      arguments: `-e TARGET=http://relay:${PORTS.public} -e APP_HOST=echo.localhost:${PORTS.public} -e RATE=800 -e DURATION=60s`,
    },
  };
  return [configMap, testRun];
}
