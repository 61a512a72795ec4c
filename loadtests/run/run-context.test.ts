import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { PROFILES } from '../profiles/index.ts';
import { externalTarget, missingApps } from './run-context.ts';

const TOPOLOGY = `
domain: corp.test
groups: [{ name: hr, connectors: 1 }]
apps: [{ name: payroll, group: hr }]
`;

test("a running sim without a control API: apps' hosts come from its topology file (domain and apps), and a profile's app it does not publish is named", async (t) => {
  const server = http.createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1');
  t.after(() => server.close());
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  const file = join(await mkdtemp(join(tmpdir(), 'relay-sim-topology-')), 'topology.yaml');
  await writeFile(file, TOPOLOGY);
  const target = await externalTarget(`http://127.0.0.1:${port}`, undefined, undefined, file);
  assert.deepEqual(target.apps, ['payroll']);
  assert.equal(target.hostOf('payroll'), `payroll.corp.test:${port}`);
  assert.deepEqual(missingApps(target, PROFILES['get']!), ['echo']);
  // Without a file, the default topology's apps (echo at echo.localhost).
  const byDefault = await externalTarget(`http://127.0.0.1:${port}`, undefined);
  assert.equal(byDefault.hostOf('echo'), `echo.localhost:${port}`);
  assert.deepEqual(missingApps(byDefault, PROFILES['mixed']!), []);
});
