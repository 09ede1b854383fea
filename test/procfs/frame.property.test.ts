// Property tests over the probe frame and the assembler: random text, mutated real frames (the
// recorded hosts, and one probe run on this machine) and random records never make them throw;
// a frame error names its line; what is read writes back the same; a fact is set only from a
// section the host printed once with status 0 (test/support/parser-properties.ts).
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { frameTargets } from '../support/parser-properties.js';

describe.each(frameTargets())('$name', (target) => {
  it('keeps its properties', () => {
    fc.assert(target.property(), { numRuns: 100 });
  });
});
