import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RelayError } from '../../protocol/errors.ts';
import type { WorkState } from './dispatched-work.ts';
import { MAX_RETRIES, orphanFate, settleOrphans, type Orphan } from './failover.ts';

class FakeWork implements Orphan {
  retries = 0;
  requeuedTimes = 0;
  lostWith: string | undefined;
  constructor(
    readonly name: string,
    public state: WorkState,
    readonly replayable: boolean,
  ) {}
  requeued(): void {
    this.requeuedTimes++;
    this.state = 'queued';
  }
  loseInFlight(error: RelayError): boolean {
    this.lostWith = error.code;
    return true;
  }
}

test('appproxy: not accepted goes back to the queue; everything accepted is lost, replayable or not', () => {
  assert.equal(orphanFate(new FakeWork('a', 'dispatched', false), 'appproxy'), 'requeue', 'it never reached the connector');
  assert.equal(orphanFate(new FakeWork('b', 'accepted', true), 'appproxy'), 'lose');
  assert.equal(orphanFate(new FakeWork('c', 'accepted', false), 'appproxy'), 'lose');
  assert.equal(orphanFate(new FakeWork('d', 'responding', false), 'appproxy'), 'lose');
});

test('resilient: accepted and replayable is retried, at most MAX_RETRIES times; anything else is lost', () => {
  assert.equal(orphanFate(new FakeWork('a', 'dispatched', false), 'resilient'), 'requeue');
  assert.equal(orphanFate(new FakeWork('b', 'accepted', true), 'resilient'), 'retry');
  assert.equal(orphanFate(new FakeWork('c', 'accepted', false), 'resilient'), 'lose', 'a body was pulled, or the method is not idempotent');
  assert.equal(orphanFate(new FakeWork('d', 'responding', false), 'resilient'), 'lose', 'response bytes reached the user');
  const tired = new FakeWork('e', 'accepted', true);
  tired.retries = MAX_RETRIES;
  assert.equal(orphanFate(tired, 'resilient'), 'lose', 'replayed as often as allowed');
});

test('settling orphans requeues in the original order at the head, counts retries, and loses the rest with connector_lost', () => {
  const orphans = () => [
    new FakeWork('first', 'dispatched', true),
    new FakeWork('second', 'accepted', true),
    new FakeWork('third', 'responding', false),
    new FakeWork('fourth', 'dispatched', true),
  ];
  for (const mode of ['resilient', 'appproxy'] as const) {
    const work = orphans();
    const head: string[] = [];
    let retries = 0;
    const counts = settleOrphans(work, mode, {
      requeue: (w) => head.unshift(w.name), // the dispatcher puts requeued work at the head
      countRetry: () => retries++,
      lost: () => new RelayError('connector_lost'),
    });
    const survivors = mode === 'resilient' ? ['first', 'second', 'fourth'] : ['first', 'fourth'];
    assert.deepEqual(head, survivors, `${mode}: they keep their order in front of newer work`);
    assert.equal(retries, mode === 'resilient' ? 1 : 0);
    assert.deepEqual(counts, mode === 'resilient' ? { requeued: 2, retried: 1, lost: 1 } : { requeued: 2, retried: 0, lost: 2 });
    assert.equal(work[1]!.lostWith, mode === 'resilient' ? undefined : 'connector_lost');
    assert.equal(work[2]!.lostWith, 'connector_lost');
    assert.equal(work[2]!.requeuedTimes, 0);
  }
});
