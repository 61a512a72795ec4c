import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROFILES } from '../profiles/index.ts';
import { parseTopology } from '../../sim/cluster/topology.ts';
import { httpSender, LoadClient } from './http-scenarios.ts';
import { overrideProfile, overrideTopology, parseHeader } from './run-overrides.ts';

test('-H values parse as name and value; malformed ones and Host are refused', () => {
  assert.deepEqual(parseHeader('Authorization: Bearer abc'), ['Authorization', 'Bearer abc']);
  assert.deepEqual(parseHeader('x-empty:'), ['x-empty', '']);
  assert.throws(() => parseHeader('no colon'), /-H takes 'name: value'/);
  assert.throws(() => parseHeader('Host: evil.example'), /cannot set Host/);
});

test('--path and -H reach the wire: the server sees the path and every extra header, with the app host kept', async () => {
  const seen: { url: string | undefined; headers: http.IncomingHttpHeaders }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url, headers: req.headers });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const profile = overrideProfile(PROFILES['get']!, {
      path: '/report',
      headers: [
        ['x-tenant', 'blue'],
        ['authorization', 'Bearer t'],
      ],
    });
    const scenario = profile.scenarios[0]!;
    assert.ok(scenario.kind === 'get');
    const target = { origin: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), hostOf: (app: string) => `${app}.test` };
    const client = new LoadClient(target, 4);
    const send = httpSender(scenario, target, client);
    assert.equal((await send()).status, 200);
    await client.destroy();
    assert.equal(seen[0]!.url, '/report');
    assert.equal(seen[0]!.headers['x-tenant'], 'blue');
    assert.equal(seen[0]!.headers['authorization'], 'Bearer t');
    assert.equal(seen[0]!.headers.host, 'echo.test');
  } finally {
    server.close();
  }
});

test('--connectors and --backend-delay change only the groups and apps the profile drives', () => {
  const topology = parseTopology(
    {
      groups: [
        { name: 'default', connectors: 3 },
        { name: 'eu', connectors: 2 },
      ],
      apps: [
        { name: 'echo', group: 'default' },
        { name: 'eu', group: 'eu' },
      ],
    },
    'test',
  );
  const changed = overrideTopology(topology, PROFILES['get']!, { connectors: 1, backendDelay: { fixedMs: 40 } });
  assert.deepEqual(
    changed.groups.map((g) => [g.name, g.connectors]),
    [
      ['default', 1],
      ['eu', 2],
    ],
  );
  assert.deepEqual(changed.apps.find((a) => a.name === 'echo')!.service, { responseBytes: 256, time: { fixedMs: 40 } });
  assert.equal(changed.apps.find((a) => a.name === 'eu')!.service, undefined);
  assert.throws(() => overrideTopology(topology, PROFILES['mixed']!, { backendDelay: { fixedMs: 40 } }), /GETs only/);
});
