import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { ManualClock } from '../../common/clock.ts';
import type { RelayError } from '../../protocol/errors.ts';
import type { PublishedApp } from '../ingress/published-app.ts';
import { RelayMetrics } from '../relay-metrics.ts';
import { DispatchedWork, type WorkOwner } from './dispatched-work.ts';
import { WorkRegistry } from './work-registry.ts';

class TestWork extends DispatchedWork {
  readonly kind = 'http';
  readonly hasBody = false;
  rejected: string | undefined;
  reject(error: RelayError): void {
    this.rejected = error.code;
    this.finishWork();
  }
  respond(): void {
    this.beginResponse();
  }
  respondInline(): void {
    this.beginResponse();
  }
}

const app = { name: 'echo', group: 'g', backendTimeoutMs: 1000 } as PublishedApp;
const req = {
  method: 'GET',
  url: '/',
  rawHeaders: ['host', 'echo.localhost'],
  headers: { host: 'echo.localhost' },
  socket: { remoteAddress: '127.0.0.1' },
} as unknown as IncomingMessage;

function owner(): WorkOwner & { cancelled: string[]; released: number } {
  return {
    connectorId: 'c1',
    cancelled: [],
    released: 0,
    cancel(_work, reason) {
      this.cancelled.push(reason);
    },
    release() {
      this.released++;
    },
  };
}

test('a connector that accepted but never answers: cancelled and 504 backend_timeout at the app timeout plus grace', () => {
  const clock = new ManualClock();
  const work = new TestWork('w1', app, req, new RelayMetrics(['g'], () => []), new WorkRegistry(() => undefined, clock));
  const holder = owner();
  work.dispatchedTo(holder);
  work.accepted();
  clock.advance(1000 + 4999);
  assert.equal(work.rejected, undefined, 'the connector gets its own timeout plus a grace');
  clock.advance(1);
  assert.deepEqual(holder.cancelled, ['deadline']);
  assert.equal(work.rejected, 'backend_timeout');
  assert.equal(holder.released, 1, 'its slot is freed');
});

test('a response that starts in time clears the guard', () => {
  const clock = new ManualClock();
  const work = new TestWork('w2', app, req, new RelayMetrics(['g'], () => []), new WorkRegistry(() => undefined, clock));
  work.dispatchedTo(owner());
  clock.advance(500);
  work.respond();
  clock.advance(60_000);
  assert.equal(work.rejected, undefined);
  assert.equal(work.state, 'responding');
});

test('queue wait is observed once per request, with every pass through the queue, when a connector accepts it', async () => {
  const metrics = new RelayMetrics(['g'], () => []);
  const work = new TestWork('w3', app, req, metrics, new WorkRegistry(() => undefined, new ManualClock()));
  work.leftQueue(100);
  work.dispatchedTo(owner());
  work.requeued(); // handed back `busy`: not accepted, so not observed yet
  work.leftQueue(250);
  work.dispatchedTo(owner());
  work.accepted();
  work.accepted();
  work.respond();
  const values = (await metrics.queueWait.get()).values;
  const pick = (name: string) => values.find((v) => v.metricName === name)?.value;
  assert.equal(pick('relay_queue_wait_seconds_count'), 1);
  assert.equal(pick('relay_queue_wait_seconds_sum'), 0.35);
});
