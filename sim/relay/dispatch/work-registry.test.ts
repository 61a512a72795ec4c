import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../protocol/errors.ts';
import type { DispatchedWork } from './dispatched-work.ts';
import { ReleasedIds } from '../connectors/released-ids.ts';
import { WorkRegistry, type WorkHolder } from './work-registry.ts';

const work = (id: string) => ({ id }) as DispatchedWork;

function holder(connectorId: string, held: DispatchedWork[] = [], released: string[] = []): WorkHolder {
  const ids = new ReleasedIds();
  for (const id of released) ids.add(id);
  return { connectorId, inflight: new Map(held.map((w) => [w.id, w])), released: ids };
}

test("an id is held, late, someone else's or unknown, for the connector that names it", () => {
  const withdrawn: string[] = [];
  const registry = new WorkRegistry((w) => withdrawn.push(w.id));
  const mine = work('mine');
  const theirs = work('theirs');
  registry.register(mine);
  registry.register(theirs);
  const a = holder('a', [mine], ['ended']);
  assert.deepEqual(registry.lookup('mine', a), { kind: 'held', work: mine });
  assert.equal(registry.lookup('ended', a).kind, 'late');
  assert.equal(registry.lookup('theirs', a).kind, 'elsewhere');
  assert.equal(registry.lookup('nobody', a).kind, 'unknown');
  registry.settled(theirs);
  assert.equal(registry.lookup('theirs', a).kind, 'unknown', 'settled work is no longer live');
  registry.withdraw(mine);
  assert.deepEqual(withdrawn, ['mine']);
});

test('owned() gives the work, nothing for a late word, and a typed violation otherwise', () => {
  const registry = new WorkRegistry(() => undefined);
  const mine = work('mine');
  registry.register(mine);
  registry.register(work('theirs'));
  const a = holder('a', [mine], ['ended']);
  assert.equal(registry.owned('mine', a), mine);
  assert.equal(registry.owned('ended', a), undefined);
  assert.throws(
    () => registry.owned('theirs', a),
    (err: ProtocolError) => err.code === 'not_your_request',
  );
  assert.throws(
    () => registry.owned('nobody', a),
    (err: ProtocolError) => err.code === 'unknown_request',
  );
});
