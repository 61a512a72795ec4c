import { generateServiceKeys } from '../relay/auth/service-keys.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackendConfig } from '../backend/backend-config.ts';
import { ConnectorConfig } from '../connector/connector-config.ts';
import { RelayConfig } from '../relay/relay-config.ts';
import { backendConfigs, connectorConfigs, relayConfigs, type ConfigInputs } from './component-configs.ts';
import { planPorts } from './port-plan.ts';
import { parseTopology } from './topology.ts';

const topology = parseTopology(
  {
    relays: 2,
    groups: [
      { name: 'default', connectors: 2 },
      { name: 'eu', connectors: 1, slots: 50, outboundProxy: 'http://127.0.0.1:3128' },
    ],
    apps: [
      { name: 'echo', group: 'default' },
      { name: 'far', group: 'eu', backend: 'http://10.0.0.9:80', backendTimeout: 'long' },
    ],
    requests: { idleTimeoutMs: 1234 },
    dnsCacheTtlMs: 0,
  },
  'unit',
);
const inputs: ConfigInputs = { topology, host: '127.0.0.1', ports: planPorts(8080, 3), connectorToken: 'token-123456', serviceKeys: generateServiceKeys() };

test('every derived config is valid for its component, with schema defaults filling the rest', () => {
  for (const { config } of backendConfigs(inputs)) BackendConfig.parse(config);
  for (const { config } of relayConfigs(inputs, (b) => (b.startsWith('http') ? b : 'http://127.0.0.1:9200'))) {
    const relay = RelayConfig.parse(config);
    assert.equal(relay.maxRequestHeaders, 60);
    assert.equal(relay.requests.idleTimeoutMs, 1234);
  }
  for (const { config } of connectorConfigs(inputs, [{ id: 'relay-1', url: 'http://127.0.0.1:8081' }])) {
    const connector = ConnectorConfig.parse(config);
    assert.equal(connector.drainGraceMs, 30_000);
    assert.equal(connector.dialTimeoutMs, 5000);
    assert.equal(connector.dnsCacheTtlMs, 0, "the topology's name cache setting reaches every connector");
  }
});

test('ids, groups, ports and app URLs follow the topology and the port plan', () => {
  assert.deepEqual(
    backendConfigs(inputs).map((b) => [b.id, b.config.port]),
    [['backend-1', 9200]],
  );
  const relays = relayConfigs(inputs, (b) => (b === 'backend-1' ? 'http://127.0.0.1:9200' : b));
  assert.deepEqual(
    relays.map((r) => [r.id, r.config.ports]),
    [
      ['relay-1', { public: 8080, connector: 8081, metrics: 9100 }],
      ['relay-2', { public: 8082, connector: 8083, metrics: 9181 }],
    ],
  );
  assert.deepEqual(
    relays[0]!.config.apps.map((a) => [a.name, a.internalUrl, a.backendTimeoutMs]),
    [
      ['echo', 'http://127.0.0.1:9200', 85_000],
      ['far', 'http://10.0.0.9:80', 180_000],
    ],
  );
  const connectors = connectorConfigs(inputs, []);
  assert.deepEqual(
    connectors.map((c) => [c.id, c.group, c.config.metricsPort, c.config.slots]),
    [
      ['default-1', 'default', 9101, 200],
      ['default-2', 'default', 9102, 200],
      ['eu-1', 'eu', 9103, 50],
    ],
  );
  assert.equal(connectors[2]!.config.outboundProxy, 'http://127.0.0.1:3128');
  assert.equal(relays[0]!.config.tls, undefined, 'no TLS without a PKI');
});
