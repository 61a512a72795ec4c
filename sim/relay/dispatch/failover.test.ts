import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RelayError } from '../../protocol/errors.ts';
import type { WorkState } from './dispatched-work.ts';
import { MAX_RETRIES, orphanFate, settleOrphans, type Orphan } from './failover.ts';

class FakeWork implements Orphan {
  retries = 0;
  requeuedTimes = 0;
  rejectedWith: string | undefined;
  constructor(
    readonly name: string,
    public state: WorkState,
    readonly replayable: boolean,
  ) {}
  requeued(): void {
    this.requeuedTimes++;
    this.state = 'queued';
  }
  reject(error: RelayError): void {
    this.rejectedWith = error.code;
  }
}

test('not accepted goes back to the queue; accepted and untouched is retried; anything else is lost', () => {
  assert.equal(orphanFate(new FakeWork('a', 'dispatched', true)), 'requeue');
  assert.equal(orphanFate(new FakeWork('b', 'accepted', true)), 'retry');
  assert.equal(orphanFate(new FakeWork('c', 'accepted', false)), 'lose', 'its body was pulled');
  assert.equal(orphanFate(new FakeWork('d', 'responding', false)), 'lose', 'response bytes reached the user');
  const tired = new FakeWork('e', 'accepted', true);
  tired.retries = MAX_RETRIES;
  assert.equal(orphanFate(tired), 'lose', 'replayed as often as allowed');
});

test('settling orphans requeues in the original order at the head, counts retries, and rejects the lost with connector_lost', () => {
  const orphans = [
    new FakeWork('first', 'dispatched', true),
    new FakeWork('second', 'accepted', true),
    new FakeWork('third', 'responding', false),
    new FakeWork('fourth', 'dispatched', true),
  ];
  const head: string[] = [];
  let retries = 0;
  settleOrphans(orphans, {
    requeue: (work) => head.unshift(work.name), // the dispatcher puts requeued work at the head
    countRetry: () => retries++,
    lost: () => new RelayError('connector_lost'),
  });
  assert.deepEqual(head, ['first', 'second', 'fourth'], 'they keep their order in front of newer work');
  assert.equal(retries, 1);
  assert.equal(orphans[1]!.retries, 1);
  assert.equal(orphans[2]!.rejectedWith, 'connector_lost');
  assert.equal(orphans[2]!.requeuedTimes, 0);
});
