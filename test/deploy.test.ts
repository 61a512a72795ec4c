import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { MANIFEST_DIR, renderManifests } from '../deploy/src/manifests.ts';
import { stackConfigs } from '../deploy/src/stack-configs.ts';
import { workloads } from '../deploy/src/workloads.ts';
import { parseTopology } from '../sim/cluster/topology.ts';

const ROOT = new URL('..', import.meta.url);
type Doc = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };
const committed = (file: string) => readFileSync(`${MANIFEST_DIR}${file}`, 'utf8');
const docsOf = (file: string) => parseAllDocuments(committed(file)).map((d) => d.toJS() as Doc);
const all = () => Object.keys(renderManifests()).flatMap((file) => docsOf(file).map((doc) => ({ file, doc })));
const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

test('the committed manifests are what `npm run manifests` generates, byte for byte', () => {
  for (const [file, text] of Object.entries(renderManifests())) assert.equal(committed(file), text, `deploy/manifests/${file} is stale: run npm run manifests`);
});

test('every object validates against its Kubernetes schema (kubernetes-models); the k6-operator TestRun has the fields the operator reads', () => {
  const MODELS: Record<string, new (data: any) => { validate(): void }> = {
    'v1/ConfigMap': ConfigMap,
    'v1/Service': Service,
    'v1/PersistentVolumeClaim': PersistentVolumeClaim,
    'apps/v1/Deployment': Deployment,
    'batch/v1/Job': Job,
    'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  };
  const kinds = new Set<string>();
  for (const { file, doc } of all()) {
    const key = `${doc.apiVersion}/${doc.kind}`;
    kinds.add(key);
    if (key === 'k6.io/v1alpha1/TestRun') {
      assert.ok(doc.spec.parallelism >= 1 && doc.spec.script.configMap.name && doc.spec.script.configMap.file, file);
      continue;
    }
    const Model = MODELS[key];
    assert.ok(Model, `${file}: no schema for ${key}`);
    assert.doesNotThrow(() => new Model(doc).validate(), `${file}: ${key} ${doc.metadata.name}`);
  }
  assert.deepEqual([...kinds].sort(), [...Object.keys(MODELS), 'k6.io/v1alpha1/TestRun'].sort());
});

test("images, commands and ports match the Dockerfile, the compose file and each component's own config", () => {
  const compose = readFileSync(new URL('docker-compose.yml', ROOT), 'utf8');
  const image = /^\s+image: (relay-sim:\S+)$/m.exec(compose)![1]!;
  const config = docsOf('relay-sim.yaml').find((d) => d.kind === 'ConfigMap')!.data!;
  const portsOf = (c: any) => Object.fromEntries((c.ports ?? []).map((p: any) => [p.name, p.containerPort]));
  let containers = 0;
  for (const { file, doc } of all().filter(({ doc }) => doc.kind === 'Deployment' || doc.kind === 'Job')) {
    for (const c of doc.spec.template.spec.containers) {
      containers++;
      assert.ok(c.image === image || c.image === `localhost/${image}`, `${file}: ${c.image}`);
      const entry = c.command.at(-1) === 'loadtests/load-entry.ts' ? c.command.at(-1) : c.command[3];
      assert.ok(existsSync(new URL(entry, ROOT)), `${file}: ${entry} exists in the image's sources`);
      const env = Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value ?? JSON.parse(config[e.valueFrom?.configMapKeyRef?.key] ?? 'null')]));
      if (!env['RELAY_SIM_CONFIG']) continue;
      const own = typeof env['RELAY_SIM_CONFIG'] === 'string' ? JSON.parse(env['RELAY_SIM_CONFIG']) : env['RELAY_SIM_CONFIG'];
      const listens = own.ports ? Object.values(own.ports) : [own.port ?? own.metricsPort];
      assert.deepEqual(Object.values(portsOf(c)).sort(), (listens as number[]).sort(), `${file}: ${c.name} exposes the ports its config listens on`);
      // The Dockerfile's HEALTHCHECK and the probes ask the same ops port.
      assert.equal(c.readinessProbe.httpGet.port, Number(env['OPS_PORT']), `${file}: ${c.name}`);
      assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    }
  }
  assert.ok(containers >= 8, `${containers} containers checked`);
  assert.match(readFileSync(new URL('Dockerfile', ROOT), 'utf8'), /OPS_PORT/);
});

test('every label selector selects something: Deployments their pods, Services a Deployment, the ServiceMonitor a Service', () => {
  const docs = all().map(({ doc }) => doc);
  const pods = docs.filter((d) => d.kind === 'Deployment' && !d.metadata.labels?.['app.kubernetes.io/instance']).map((d) => d.spec.template.metadata.labels);
  for (const d of docs.filter((x) => x.kind === 'Deployment'))
    assert.ok(matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels), d.metadata.name);
  const services = docs.filter((d) => d.kind === 'Service');
  for (const s of services)
    assert.equal(pods.filter((labels) => matches(s.spec.selector, labels)).length, 1, `Service ${s.metadata.name} selects exactly one Deployment's pods`);
  const monitor = docs.find((d) => d.kind === 'ServiceMonitor')!;
  assert.equal(
    services.filter((s) => matches(monitor.spec.selector.matchLabels, s.metadata.labels)).length,
    services.length,
    'the ServiceMonitor selects every Service',
  );
  const groups = docs.filter((d) => d.kind === 'Deployment' && d.metadata.name.startsWith('connector-'));
  assert.deepEqual(
    groups.map((g) => [g.metadata.name, g.spec.replicas]),
    [
      ['connector-default', 3],
      ['connector-eu', 2],
    ],
    'a Deployment per group of the default topology, sized as the group',
  );
  const dashboards = docs.filter((d) => d.kind === 'ConfigMap' && d.metadata.labels?.['grafana_dashboard'] === '1');
  assert.equal(dashboards.length, 4);
});

test("a connector group with a capacity model gets the model's cores as its pods' CPU request and limit; one without gets none", () => {
  const topology = parseTopology(
    {
      groups: [
        { name: 'big', connectors: 2, capacity: { cores: 4 } },
        { name: 'plain', connectors: 1 },
      ],
      apps: [{ name: 'echo', group: 'big' }],
    },
    'test',
  );
  const objects = workloads(stackConfigs(topology, { relay: 'relay', backend: 'backend' }), '');
  const pods = Object.fromEntries(
    objects.filter((o): o is Deployment => o instanceof Deployment).map((d) => [d.metadata!.name, d.spec!.template.spec!.containers[0]!.resources]),
  );
  assert.deepEqual(pods['connector-big'], { requests: { cpu: '4' }, limits: { cpu: '4' } });
  assert.equal(pods['connector-plain'], undefined);
});
