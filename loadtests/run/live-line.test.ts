import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveLine, type LiveSnapshot } from './live-line.ts';

const snapshot = (over: Partial<LiveSnapshot>): LiveSnapshot => ({
  elapsedS: 1,
  sent: 0,
  answered: 0,
  errorsByCode: {},
  p99ByScenario: { get: 12.34 },
  faults: 0,
  ...over,
});

test('rates are what moved since the last line over the time that really passed, and a late line says so', () => {
  let now = 0;
  const out: string[] = [];
  const line = new LiveLine({ write: (t) => out.push(t), tty: false, now: () => now });
  now = 1000;
  line.update(snapshot({ elapsedS: 1, sent: 150, answered: 148 }));
  now = 2000;
  line.update(snapshot({ elapsedS: 2, sent: 300, answered: 299, errorsByCode: { connector_lost: 2 } }));
  // The next tick comes 10 s later (a paused machine): 1,500 sent in that time is 150/s, not 1,500/s.
  now = 12_000;
  line.update(snapshot({ elapsedS: 12, sent: 1800, answered: 1790, errorsByCode: { connector_lost: 2 }, p99ByScenario: { get: null } }));
  assert.match(out[0]!, /^ {3}1s {2}sent 150\/s {2}answered 148\/s {2}get p99 12\.3 ms {2}0 errors {2}0 fault\(s\)\n$/);
  assert.match(out[1]!, /sent 150\/s {2}answered 151\/s .*errors: connector_lost 2 /);
  assert.match(out[2]!, /^ {2}12s {2}sent 150\/s {2}answered 149\/s {2}get p99 – {2}0 errors .*\(this line 9\.0 s late: the runner was busy\)\n$/);
});

test('on a terminal the line is redrawn in place, and messages clear it first', () => {
  const out: string[] = [];
  const line = new LiveLine({ write: (t) => out.push(t), tty: true, now: () => 1000 });
  line.update(snapshot({ ws: { open: 98, notOpen: 2, closesByCode: { 1012: 2 } } }));
  line.message('fault: kill connector:default-2');
  line.update(snapshot({}));
  line.end();
  assert.ok(out[0]!.startsWith('\r\x1b[2K') && !out[0]!.endsWith('\n'), 'drawn in place, no newline');
  assert.match(out[0]!, /ws 98 open, 2 connecting, closed 1012×2/);
  assert.equal(out[1], '\r\x1b[2K');
  assert.equal(out[2], 'fault: kill connector:default-2\n');
  assert.equal(out.at(-1), '\n');
});
