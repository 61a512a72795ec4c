import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from '../helpers/http-client.ts';
import { alive } from '../helpers/processes.ts';
import { ControlClient } from '../../sim/cluster/control-client.ts';

const MAIN = fileURLToPath(new URL('../../sim/cluster/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

function runSim(args: string[]) {
  return spawn(process.execPath, ['--import', TSX, MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

test('npm run sim -- --json prints the ready line; after SIGTERM no child process remains', async (t) => {
  const sim = runSim(['--json', '--base-port', '0']);
  t.after(() => sim.kill('SIGKILL'));
  let stderr = '';
  sim.stderr.on('data', (d: Buffer) => (stderr += d));
  const lines = createInterface({ input: sim.stdout });
  const timer = setTimeout(() => sim.kill('SIGKILL'), 60_000);
  const [firstLine] = (await once(lines, 'line')) as [string];
  const ready = JSON.parse(firstLine) as {
    event: string;
    controlUrl: string;
    relays: { id: string; publicUrl: string; pid: number }[];
    connectors: { id: string; group: string; pid: number; state: string }[];
    backends: { id: string; pid: number }[];
    apps: { name: string; group: string; externalUrl: string }[];
  };
  assert.equal(ready.event, 'ready');
  assert.deepEqual(
    ready.connectors.map((c) => c.group),
    ['default', 'default', 'default', 'eu', 'eu'],
  );
  assert.deepEqual(
    ready.apps.map((a) => [a.name, a.group]),
    [
      ['echo', 'default'],
      ['eu', 'eu'],
      ['secure', 'default'],
    ],
  );
  assert.ok(ready.connectors.every((c) => c.state === 'running'));

  const pids = [...ready.relays, ...ready.connectors, ...ready.backends].map((c) => c.pid);
  assert.equal(pids.length, 7);
  assert.ok(pids.every(alive), 'every component is a live process');

  const topology = await new ControlClient(ready.controlUrl).topology();
  assert.equal(topology.connectors.length, 5, 'GET /topology matches the ready line');
  const sd = (await (await fetch(`${ready.controlUrl}/sd`)).json()) as { targets: string[]; labels: Record<string, string> }[];
  assert.equal(sd.length, 8, 'one service-discovery target per component, plus the controller');

  for (const app of ready.apps.filter((a) => a.name !== 'secure')) {
    const res = await request(ready.relays[0]!.publicUrl, new URL(app.externalUrl).host, { path: '/echo' });
    assert.equal(res.status, 200, `${app.name} answers through its group`);
  }

  sim.kill('SIGTERM');
  const [code] = (await once(sim, 'exit')) as [number | null];
  clearTimeout(timer);
  assert.equal(code, 0, `sim exited cleanly; stderr:\n${stderr}`);
  const survivors = pids.filter(alive);
  assert.deepEqual(survivors, [], 'no orphan processes');
});

test('bad usage exits 2 with a message that names the problem', async () => {
  const sim = runSim(['--connectors', 'many']);
  let stderr = '';
  sim.stderr.on('data', (d: Buffer) => (stderr += d));
  const [code] = (await once(sim, 'exit')) as [number];
  assert.equal(code, 2);
  assert.match(stderr, /--connectors must be a whole number/);
});

test('an invalid topology exits 2 naming the bad field', async () => {
  const sim = runSim(['--topology', fileURLToPath(new URL('./fixtures/bad-topology.yaml', import.meta.url))]);
  let stderr = '';
  sim.stderr.on('data', (d: Buffer) => (stderr += d));
  const [code] = (await once(sim, 'exit')) as [number];
  assert.equal(code, 2);
  assert.match(stderr, /apps\.0\.group: unknown group "missing"/);
});

test('if the controller itself is SIGKILLed, every component exits on its own', async (t) => {
  const sim = runSim(['--json', '--base-port', '0']);
  t.after(() => sim.kill('SIGKILL'));
  const [firstLine] = (await once(createInterface({ input: sim.stdout }), 'line')) as [string];
  const ready = JSON.parse(firstLine) as { relays: { pid: number }[]; connectors: { pid: number }[]; backends: { pid: number }[] };
  const pids = [...ready.relays, ...ready.connectors, ...ready.backends].map((c) => c.pid);
  sim.kill('SIGKILL');
  await once(sim, 'exit');
  const deadline = Date.now() + 10_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(pids.filter(alive), [], 'components notice the controller is gone (IPC disconnect) and exit');
});

test('a port already in use stops the start with a message naming that port; an ephemeral base port is warned about', async () => {
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  const taken = (squatter.address() as net.AddressInfo).port; // the kernel picked it from its ephemeral range
  try {
    // --base-port P puts the relay's connector endpoint, the first port it binds, on P + 1.
    const sim = runSim(['--base-port', String(taken - 1), '--connectors', '1']);
    let stderr = '';
    sim.stderr.on('data', (d: Buffer) => (stderr += d));
    const [code] = (await once(sim, 'exit')) as [number];
    assert.equal(code, 1);
    assert.match(stderr, /warning: \d+ of the sim's ports .* lie in the kernel's ephemeral range/);
    assert.match(stderr, new RegExp(`relay-1 could not start: port ${taken} on 127\\.0\\.0\\.1 is already in use by another process`));
    assert.match(stderr, /--base-port 0 for free ports/);
  } finally {
    squatter.close();
  }
});
