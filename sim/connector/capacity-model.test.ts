import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CAPACITY_PRESETS, CapacitySetting, headroomWarning, modelTps, resolveCapacity } from './capacity-model.ts';

test("each preset's modelled rate is Microsoft's figure", () => {
  for (const [cores, preset] of Object.entries(CAPACITY_PRESETS)) {
    assert.ok(Math.abs(modelTps(preset.model) - preset.documented.tps) < 1, `${cores} cores: ${modelTps(preset.model)} TPS`);
  }
});

test('settings resolve to a model: unlimited, a preset, or an explicit model; anything else is refused', () => {
  assert.equal(resolveCapacity(CapacitySetting.parse('unlimited')), undefined);
  assert.deepEqual(resolveCapacity(CapacitySetting.parse({ cores: 4 })), CAPACITY_PRESETS[4].model);
  assert.deepEqual(resolveCapacity(CapacitySetting.parse({ cores: 3, perRequestMs: 5 })), { cores: 3, perRequestMs: 5, tailSigma: 0.5, perKiBMs: 0.02 });
  assert.equal(CapacitySetting.safeParse({ cores: 3 }).success, false);
});

test('the headroom check warns when the modelled groups would ask more than the host can carry', () => {
  assert.equal(headroomWarning([{ connectors: 3, capacity: { cores: 2 } }], 2), undefined, '3 x 586 TPS fits a 2-core host');
  assert.equal(headroomWarning([{ connectors: 50, capacity: 'unlimited' }], 2), undefined, 'unlimited groups have no modelled rate');
  assert.match(headroomWarning([{ connectors: 10, capacity: { cores: 16 } }], 2) ?? '', /add up to 12000 requests\/s, more than this 2-core machine/);
});
