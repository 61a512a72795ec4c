import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkerPoolRunner } from './worker-pool-runner.ts';

test('two worker threads deliver a constant plan together, and every request is tallied once, here', async () => {
  let served = 0;
  const hosts = new Set<string>();
  const server = http.createServer((req, res) => {
    served++;
    hosts.add(String(req.headers.host));
    res.end(req.url === '/echo' ? 'ok' : '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const outcomes: number[] = [];
  try {
    const runner = new WorkerPoolRunner({
      scenario: { name: 'get', kind: 'get', app: 'echo', path: '/echo', share: 1, arrival: { kind: 'constant' } },
      target: { origin, hostOf: (app) => `${app}.test` },
      workers: 2,
      pattern: { kind: 'constant', rate: 200 },
      durationMs: 2000,
      maxInFlight: 1000,
      sockets: 64,
      onOutcome: (outcome) => outcomes.push(outcome.status),
    });
    await runner.prepare();
    const report = await runner.run();
    // 200/s for 2 s, split 100/s per worker: each worker plans 200, interleaved by half a gap.
    assert.ok(report.planned >= 398 && report.planned <= 400, `planned ${report.planned}`);
    assert.equal(report.sent, report.planned);
    assert.equal(report.ok, report.sent);
    assert.equal(served, report.sent, 'the server saw every request the tally counts');
    assert.equal(outcomes.length, report.sent);
    assert.equal(runner.latency.summary().count, report.sent);
    assert.deepEqual([...hosts], ['echo.test']);
    const perSecond = runner.intervals.map((i) => i.sent);
    assert.equal(perSecond.length, 2, `seconds ${perSecond.join(', ')}`);
    assert.ok(
      perSecond.every((n) => n >= 195 && n <= 205),
      `sent per second ${perSecond.join(', ')}`,
    );
    assert.equal(
      runner.intervals.reduce((n, i) => n + i.latency.summary().count, 0),
      report.sent,
    );
  } finally {
    server.close();
  }
});

test('an aborted pool stops its workers early and still reports what they sent', async () => {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    const runner = new WorkerPoolRunner({
      scenario: { name: 'get', kind: 'get', app: 'echo', path: '/echo', share: 1, arrival: { kind: 'constant' } },
      target: { origin, hostOf: () => 'echo.test' },
      workers: 2,
      pattern: { kind: 'constant', rate: 100 },
      durationMs: 30_000,
      maxInFlight: 1000,
      sockets: 16,
    });
    await runner.prepare();
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 1000);
    const started = Date.now();
    const report = await runner.run(abort.signal);
    assert.ok(Date.now() - started < 5000, 'stopped well before the 30 s plan');
    assert.ok(report.sent >= 80 && report.sent <= 130, `sent ${report.sent} in about 1 s`);
    assert.equal(report.ok, report.sent);
  } finally {
    server.close();
  }
});
