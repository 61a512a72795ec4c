import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationS } from './duration.ts';

test('durations as k6 writes them: hours, compounds, milliseconds, plain seconds', () => {
  const cases: [string, number][] = [
    ['1h', 3600],
    ['1h30m', 5400],
    ['2m30s', 150],
    ['90s', 90],
    ['500ms', 0.5],
    ['45', 45],
    ['1.5m', 90],
  ];
  for (const [text, seconds] of cases) assert.equal(parseDurationS(text), seconds, text);
  for (const bad of ['', 'soon', '1x', 'h', '10 s', '-5s', '1h-30m']) assert.equal(parseDurationS(bad), undefined, bad);
});
