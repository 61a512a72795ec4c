import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { ComponentProcess } from './component-process.ts';
import { alive } from '../../test/helpers/processes.ts';

function backend(): ComponentProcess {
  return new ComponentProcess({
    kind: 'backend',
    id: 'backend-t',
    config: { id: 'backend-t', host: '127.0.0.1', port: 0 },
    pinPorts: (config, ports) => ({ ...(config as object), port: ports['http'] }),
    logLevel: 'error',
  });
}

test('stop() during a restart leaves no process behind (the restart does not bring it back)', async () => {
  const component = backend();
  await component.start({ waitReady: false, timeoutMs: 20_000 });
  const first = component.pid!;
  const restarting = component.restart(20_000);
  await component.stop('SIGTERM', 5000);
  await restarting;
  assert.equal(alive(first), false);
  assert.equal(component.state, 'exited');
  assert.equal(component.pid, undefined, 'no second process was spawned');
});

test('the config reaches the process over IPC, not on its command line', async () => {
  const component = backend();
  await component.start({ waitReady: false, timeoutMs: 20_000 });
  assert.ok((component.ports['http'] ?? 0) > 0, 'it bound a port from the config it was sent');
  if (existsSync(`/proc/${component.pid}/cmdline`)) {
    const argv = readFileSync(`/proc/${component.pid}/cmdline`, 'utf8').split('\0');
    assert.equal(argv.includes('--config'), false);
    assert.equal(
      argv.some((arg) => arg.includes('backend-t')),
      false,
      'no part of the config is in argv',
    );
  }
  await component.stop('SIGTERM', 5000);
});
