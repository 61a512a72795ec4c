import { test } from 'node:test';
import assert from 'node:assert/strict';
import { saturationVerdict } from './saturation.ts';

test('a run sent on time with room to spare is on schedule', () => {
  const v = saturationVerdict({ planned: 1000, sent: 1000, late: 3, lateInFirstSecond: 0, dropped: 0, byErrorCode: { connector_lost: 4 } })!;
  assert.equal(v.generatorBehind, false);
  assert.equal(v.systemSaturated, false);
  assert.match(v.text, /on schedule/);
});

test('late sends blame the generator; drops and capacity refusals blame the system under test', () => {
  const generator = saturationVerdict({ planned: 10_000, sent: 10_000, late: 2_600, lateInFirstSecond: 100, dropped: 0, byErrorCode: {} })!;
  assert.equal(generator.generatorBehind, true);
  assert.equal(generator.systemSaturated, false);
  assert.match(generator.text, /load generator fell behind its schedule: 2500 sends after the first second \(25\.0 %\)/);

  const system = saturationVerdict({ planned: 10_000, sent: 9_000, late: 0, lateInFirstSecond: 0, dropped: 1_000, byErrorCode: { queue_full: 300 } })!;
  assert.equal(system.generatorBehind, false);
  assert.equal(system.systemSaturated, true);
  assert.equal(system.sentOfPlan, 0.9);
  assert.match(system.text, /system under test saturated: 1000 arrivals dropped at the in-flight cap, 300 refused for capacity/);
});

test('both sides short: the advice is a lower rate, since more workers would take CPU from a system on the same cores', () => {
  const both = saturationVerdict({ planned: 10_000, sent: 10_000, late: 2_000, lateInFirstSecond: 0, dropped: 0, byErrorCode: { queue_full: 3_000 } })!;
  assert.equal(both.generatorBehind, true);
  assert.equal(both.systemSaturated, true);
  assert.match(both.text, /left over 10 ms late; lower --rate \(the system under test saturated too/);
  assert.doesNotMatch(both.text, /add --workers/);
  const generator = saturationVerdict({ planned: 10_000, sent: 10_000, late: 2_000, lateInFirstSecond: 0, dropped: 0, byErrorCode: {} })!;
  assert.match(generator.text, /add --workers or lower --rate/);
});

test('no plan, no verdict', () => {
  assert.equal(saturationVerdict({ planned: 0, sent: 0, late: 0, lateInFirstSecond: 0, dropped: 0, byErrorCode: {} }), null);
});

test('late sends in the first second only are start-up, not saturation', () => {
  const v = saturationVerdict({ planned: 2000, sent: 2000, late: 160, lateInFirstSecond: 160, dropped: 0, byErrorCode: {} })!;
  assert.equal(v.generatorBehind, false);
  assert.match(v.text, /160 sends late in the first second/);
});
