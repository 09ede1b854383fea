// Property tests over every /proc and command parser: random and mutated real text never makes
// one throw; an error names the file and a line within the text; a field the text does not give
// is absent, never 0; names in the text become own keys (test/support/parser-properties.ts).
// bench/fuzz.ts runs the same properties many more times.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { PROCFS_TARGETS } from '../support/parser-properties.js';

describe.each(PROCFS_TARGETS)('$name', (target) => {
  it('keeps its properties', () => {
    fc.assert(target.property(), { numRuns: 150 });
  });
});
