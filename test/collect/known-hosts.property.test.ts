// Property tests over the known_hosts reader: random and mutated real files never make it throw;
// every line is read or warned about with the file and line (test/support/parser-properties.ts).
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { KNOWN_HOSTS_TARGETS } from '../support/parser-properties.js';

describe.each(KNOWN_HOSTS_TARGETS)('$name', (target) => {
  it('keeps its properties', () => {
    fc.assert(target.property(), { numRuns: 200 });
  });
});
