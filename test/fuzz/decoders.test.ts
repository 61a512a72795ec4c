import { test } from 'node:test';
import fc from 'fast-check';
import { PROPERTIES } from './properties.ts';

// A bounded run in every `npm test`; `npm run fuzz -- --minutes 10` runs the same properties longer.
for (const [name, property] of Object.entries(PROPERTIES)) {
  test(`fuzz: ${name} never crash, only clear errors`, () => {
    fc.assert(property, { numRuns: 2000 });
  });
}
