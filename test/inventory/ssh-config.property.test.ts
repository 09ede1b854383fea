// Property tests over the ssh config reader: random and mutated real configs never make parsing or
// evaluation throw; every problem is an InputError naming the file and a line within it
// (test/support/parser-properties.ts).
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { SSH_CONFIG_TARGETS } from '../support/parser-properties.js';

describe.each(SSH_CONFIG_TARGETS)('$name', (target) => {
  it('keeps its properties', () => {
    fc.assert(target.property(), { numRuns: 200 });
  });
});
