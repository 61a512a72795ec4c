import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadTopologyFile, parseTopology, TopologyError } from './topology.ts';

const defaultTopology = fileURLToPath(new URL('../topologies/default.yaml', import.meta.url));

test('the default topology loads: 1 relay, default group of 3, eu of 2, apps echo and eu', async () => {
  const topology = await loadTopologyFile(defaultTopology);
  assert.equal(topology.relays, 1);
  assert.deepEqual(
    topology.groups.map((g) => [g.name, g.connectors]),
    [
      ['default', 3],
      ['eu', 2],
    ],
  );
  assert.deepEqual(
    topology.apps.map((a) => [a.name, a.group]),
    [
      ['echo', 'default'],
      ['eu', 'eu'],
      ['secure', 'default'],
    ],
  );
  assert.deepEqual(topology.apps[2]!.assignedUsers, ['user1']);
});

test('errors name the bad field', () => {
  const bad = {
    groups: [{ name: 'default', slots: 0 }],
    apps: [{ name: 'echo', group: 'nope' }],
    dispatch: { policy: 'fastest' },
    colour: 'blue',
  };
  assert.throws(
    () => parseTopology(bad, 'test.yaml'),
    (err: unknown) => {
      assert.ok(err instanceof TopologyError);
      assert.match(err.message, /groups\.0\.slots/);
      assert.match(err.message, /dispatch\.policy/);
      assert.match(err.message, /colour/);
      return true;
    },
  );
  assert.throws(() => parseTopology({ groups: [{ name: 'default' }], apps: [{ name: 'echo', group: 'nope' }] }, 't'), /apps\.0\.group: unknown group "nope"/);
});

test('an unreadable or non-YAML file gives a clear error', async () => {
  await assert.rejects(loadTopologyFile('/nonexistent/topology.yaml'), /cannot read topology .*ENOENT/);
});

test('fidelity settings: failover mode appproxy, a 2-minute configuration pull, a 30 s name cache and no distance by default; a site must be a group', () => {
  const base = { groups: [{ name: 'default' }], apps: [{ name: 'echo', group: 'default' }] };
  const topology = parseTopology(base, 'test');
  assert.equal(topology.failover.mode, 'appproxy');
  assert.equal(topology.configRefreshMs, 120_000);
  assert.equal(topology.dnsCacheTtlMs, 30_000);
  assert.throws(() => parseTopology({ ...base, dnsCacheTtlMs: -1 }, 'test'), /dnsCacheTtlMs/);
  assert.deepEqual(topology.network, { sites: {} });
  assert.throws(() => parseTopology({ ...base, network: { sites: { eu: { rttMs: 10 } } } }, 'test'), /network\.sites\.eu: no group "eu"/);
  assert.throws(() => parseTopology({ ...base, failover: { mode: 'kind' } }, 'test'), /failover\.mode/);
});

test('linkFaults: on by default; off refuses a site distance, which acts through the link fault proxies', () => {
  const base = { groups: [{ name: 'default', connectors: 1 }], apps: [{ name: 'echo', group: 'default' }] };
  assert.equal(parseTopology(base, 't').linkFaults, true);
  assert.equal(parseTopology({ ...base, linkFaults: false }, 't').linkFaults, false);
  assert.throws(
    () => parseTopology({ ...base, linkFaults: false, network: { sites: { default: { rttMs: 20 } } } }, 't'),
    (err: Error) => err instanceof TopologyError && /network\.sites: a site distance .* needs linkFaults: true/.test(err.message),
  );
});
