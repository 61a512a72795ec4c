import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadgenDiscovery } from './loadgen-discovery.ts';

test("a runner is listed for Prometheus while it runs and unlisted after; a dead runner's entry is cleared by the next", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'relay-sim-sd-'));
  await writeFile(join(dir, 'load-2147483646.json'), '[{"targets":["127.0.0.1:1"]}]'); // no such process
  const discovery = new LoadgenDiscovery(dir);
  assert.equal(await discovery.register('127.0.0.1:9600', { profile: 'get' }), undefined);
  assert.deepEqual(await readdir(dir), [`load-${process.pid}.json`]);
  assert.deepEqual(JSON.parse(await readFile(join(dir, `load-${process.pid}.json`), 'utf8')), [{ targets: ['127.0.0.1:9600'], labels: { profile: 'get' } }]);
  await discovery.unregister();
  assert.deepEqual(await readdir(dir), []);
  // A directory that cannot be made (its parent is a file): said, not thrown, so the run goes on.
  await writeFile(join(dir, 'a-file'), '');
  assert.match((await new LoadgenDiscovery(join(dir, 'a-file', 'sd')).register('127.0.0.1:1', {})) ?? '', /cannot write .*ENOTDIR/);
});
