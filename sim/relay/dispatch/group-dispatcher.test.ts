import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../common/clock.ts';
import type { RelayError } from '../../protocol/errors.ts';
import { DispatchSettings, type DispatchPolicyName } from '../relay-config.ts';
import { RelayMetrics } from '../relay-metrics.ts';
import { GroupDispatcher, type Dispatchable, type DispatchTarget } from './group-dispatcher.ts';

class Work implements Dispatchable {
  rejected: { code: string; retryAfter: number | undefined } | undefined;
  readonly waits: number[] = [];
  constructor(
    readonly name: string,
    readonly needsSlot = true,
  ) {}
  reject(error: RelayError, retryAfterSeconds?: number): void {
    this.rejected = { code: error.code, retryAfter: retryAfterSeconds };
  }
  leftQueue(waitedMs: number): void {
    this.waits.push(waitedMs);
  }
}

class Connector implements DispatchTarget<Work> {
  readonly got: string[] = [];
  inflightCount = 0;
  accepting = true;
  constructor(
    readonly connectorId: string,
    readonly slots: number,
  ) {}
  assign(work: Work): void {
    this.got.push(work.name);
    if (work.needsSlot) this.inflightCount++;
  }
  /** A request finished: its slot is free again. */
  finish(): void {
    this.inflightCount--;
  }
}

function dispatcher(overrides: Partial<DispatchSettings> & { policy?: DispatchPolicyName } = {}) {
  const clock = new ManualClock();
  const metrics = new RelayMetrics(['g'], () => []);
  const settings = DispatchSettings.parse({ queueLimit: 3, queueTimeoutMs: 1000, ...overrides });
  return { clock, metrics, group: new GroupDispatcher<Work, Connector>('g', settings, metrics, () => 0, clock) };
}

test('work waits in FIFO order only while no slot is free, and the wait is measured on the clock', async () => {
  const { clock, group } = dispatcher();
  const c = new Connector('c1', 1);
  group.addConnector(c);
  const work = ['a', 'b', 'c'].map((name) => new Work(name));
  for (const w of work) group.submit(w);
  assert.deepEqual(c.got, ['a']);
  clock.advance(300);
  c.finish();
  group.pump();
  clock.advance(200);
  c.finish();
  group.pump();
  assert.deepEqual(c.got, ['a', 'b', 'c']);
  assert.deepEqual(
    work.map((w) => w.waits),
    [[0], [300], [500]],
  );
});

test('the queue deadline gives 504 queue_timeout with busy connectors and no_connector with none', () => {
  const { clock, group } = dispatcher();
  const busy = new Connector('c1', 1);
  group.addConnector(busy);
  group.submit(new Work('held'));
  const waiting = new Work('waiting');
  group.submit(waiting);
  clock.advance(999);
  assert.equal(waiting.rejected, undefined);
  clock.advance(1);
  assert.deepEqual(waiting.rejected, { code: 'queue_timeout', retryAfter: undefined });
  group.removeConnector(busy);
  const orphan = new Work('orphan');
  group.submit(orphan);
  clock.advance(1000);
  assert.equal(orphan.rejected?.code, 'no_connector');
});

test('a full queue refuses with 503 queue_full and Retry-After 1; requeued work goes to the head', () => {
  const { group } = dispatcher();
  const c = new Connector('c1', 1);
  group.addConnector(c);
  group.submit(new Work('running'));
  for (const name of ['q1', 'q2', 'q3']) group.submit(new Work(name));
  const refused = new Work('refused');
  group.submit(refused);
  assert.deepEqual(refused.rejected, { code: 'queue_full', retryAfter: 1 });
  group.requeue(new Work('back'));
  c.finish();
  group.pump();
  assert.deepEqual(c.got, ['running', 'back']);
});

test('sessions need no slot: they pass queued requests when every slot is taken', () => {
  const { group } = dispatcher();
  const c = new Connector('c1', 1);
  group.addConnector(c);
  group.submit(new Work('request'));
  group.submit(new Work('queued request'));
  group.submit(new Work('session', false));
  assert.deepEqual(c.got, ['request', 'session']);
});

test('round-robin spreads evenly over the group', () => {
  const { group } = dispatcher({ policy: 'round-robin' });
  const connectors = [new Connector('c1', 10), new Connector('c2', 10), new Connector('c3', 10)];
  for (const c of connectors) group.addConnector(c);
  for (let i = 0; i < 9; i++) group.submit(new Work(`w${i}`));
  assert.deepEqual(
    connectors.map((c) => c.got.length),
    [3, 3, 3],
  );
});
