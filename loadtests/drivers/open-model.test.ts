import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenModelRunner } from './open-model.ts';

test('a constant plan sends at its rate and never waits for responses', async () => {
  // Responses take 300 ms; a closed loop with 5 workers would manage ~17/s, the plan asks 100/s.
  const runner = new OpenModelRunner({
    pattern: { kind: 'constant', rate: 100 },
    durationMs: 1000,
    maxInFlight: 1000,
    send: () => new Promise((resolve) => setTimeout(() => resolve({ status: 200 }), 300)),
  });
  const report = await runner.run();
  assert.ok(report.planned >= 98 && report.planned <= 100, `planned ${report.planned}`);
  assert.equal(report.sent, report.planned);
  assert.equal(report.ok, report.sent);
  assert.ok(report.latencyMs.p50 >= 295, 'latency includes the response time');
});

test('latency is measured from the intended time, so a stall is charged in full', async () => {
  let stalled = false;
  const runner = new OpenModelRunner({
    pattern: { kind: 'constant', rate: 50 },
    durationMs: 1000,
    maxInFlight: 1000,
    send: async () => {
      if (!stalled) {
        stalled = true;
        const until = Date.now() + 300; // block the event loop: later sends go out late
        while (Date.now() < until);
      }
      return { status: 200 };
    },
  });
  const report = await runner.run();
  assert.ok(report.latencyMs.max >= 250, `the stalled arrivals show the stall: max ${report.latencyMs.max} ms`);
  assert.ok(report.late > 5, `late sends are counted: ${report.late}`);
});

test('arrivals beyond maxInFlight are dropped and counted; errors are counted by code', async () => {
  const runner = new OpenModelRunner({
    pattern: { kind: 'constant', rate: 200 },
    durationMs: 500,
    maxInFlight: 10,
    send: () => new Promise((resolve) => setTimeout(() => resolve({ status: 502, errorCode: 'connector_lost' }), 200)),
  });
  const report = await runner.run();
  assert.ok(report.dropped > 50, `dropped ${report.dropped}`);
  assert.equal(report.sent + report.dropped, report.planned);
  assert.equal(report.byErrorCode['connector_lost'], report.sent);
});

test('a ramp plan sends more towards its end', async () => {
  const runner = new OpenModelRunner({
    pattern: { kind: 'ramp', from: 10, to: 190 },
    durationMs: 2000,
    maxInFlight: 1000,
    send: async () => ({ status: 200 }),
  });
  await runner.run();
  const [first, second] = runner.intervals;
  assert.ok(second!.sent > first!.sent * 2, `first second ${first!.sent}, second ${second!.sent}`);
});

test('past seconds are sealed (compact) once their requests answered, the current one stays live', async () => {
  // Second 0's requests answer within 1.5 s; by the end of a 3 s run only the last second is open.
  const runner = new OpenModelRunner({
    pattern: { kind: 'constant', rate: 40 },
    durationMs: 3000,
    maxInFlight: 1000,
    send: () => new Promise((resolve) => setTimeout(() => resolve({ status: 200 }), 1500)),
  });
  await runner.run();
  const sealed = runner.intervals.map((i) => i.latency.sealed);
  assert.deepEqual(sealed, [true, true, false], `sealed per second: ${sealed.join(', ')}`);
  assert.equal(
    runner.intervals.reduce((n, i) => n + i.latency.summary().count, 0),
    runner.report().ok,
  );
  assert.ok(runner.intervals.every((i) => i.inFlight === 0));
});
