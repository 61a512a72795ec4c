import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_BASE_PORT,
  ephemeralPortRange,
  ephemeralWarning,
  LOADGEN_PORT_OFFSET,
  plannedPorts,
  planPorts,
  PORT_SPAN,
  PROMETHEUS_PORT_OFFSET,
} from './port-plan.ts';

const counts = { relays: 1, connectors: 5, backends: 1 };
const LINUX_DEFAULT = [32768, 60999] as const;

test("the default layout keeps every port below the kernel's ephemeral range", () => {
  const ports = plannedPorts(planPorts(DEFAULT_BASE_PORT, 5), counts);
  assert.deepEqual(ports, [8080, 8081, 9070, 9100, 9101, 9102, 9103, 9104, 9105, 9200]);
  assert.equal(ephemeralWarning(ports, LINUX_DEFAULT), undefined);
});

test('--base-port 33000 is warned about, naming the ports and what to use instead', () => {
  const warning = ephemeralWarning(plannedPorts(planPorts(33_000, 5), counts), LINUX_DEFAULT);
  assert.match(warning ?? '', /^10 of the sim's ports \(33000-34120\) lie in the kernel's ephemeral range 32768-60999/);
  assert.match(warning ?? '', /--base-port 0/);
});

test('base port 0 binds no fixed port, so nothing to warn about', () => {
  assert.deepEqual(plannedPorts(planPorts(0, 5), counts), []);
});

test("the ephemeral range is read from the kernel, with Linux's default when unreadable", () => {
  const file = join(mkdtempSync(join(tmpdir(), 'ports-')), 'range');
  writeFileSync(file, '20000\t30000\n');
  assert.deepEqual(ephemeralPortRange(file), [20000, 30000]);
  assert.deepEqual(ephemeralPortRange('/nonexistent/range'), LINUX_DEFAULT);
});

test('every port of the largest fixed layout, its Prometheus and the load runner lie in [base, base + PORT_SPAN): sims PORT_SPAN apart never overlap', () => {
  for (const base of [DEFAULT_BASE_PORT, 18_080]) {
    const ports = [
      ...plannedPorts(planPorts(base, 79), { relays: 8, connectors: 79, backends: 20 }),
      base + PROMETHEUS_PORT_OFFSET,
      base + LOADGEN_PORT_OFFSET,
    ];
    assert.equal(new Set(ports).size, ports.length, 'no port twice');
    for (const port of ports) assert.ok(port >= base && port < base + PORT_SPAN, `${port} outside [${base}, ${base + PORT_SPAN})`);
  }
  assert.equal(DEFAULT_BASE_PORT + LOADGEN_PORT_OFFSET, 9600);
  assert.equal(DEFAULT_BASE_PORT + PROMETHEUS_PORT_OFFSET, 9090);
});
