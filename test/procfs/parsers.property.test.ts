// Property tests over every /proc and command parser: random and mutated real text never makes
// one throw; an error names the file and a line within the text; a field the text does not give
// is absent, never 0; names in the text become own keys (test/support/parser-properties.ts).
// bench/fuzz.ts runs the same properties many more times.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMeminfo } from '../../src/procfs/meminfo.js';
import { parseCounterTable } from '../../src/procfs/net-netstat.js';
import { parseSockstat } from '../../src/procfs/net-sockstat.js';
import { PROCFS_TARGETS } from '../support/parser-properties.js';

describe.each(PROCFS_TARGETS)('$name', (target) => {
  it('keeps its properties', () => {
    fc.assert(target.property(), { numRuns: 150 });
  });
});

describe('what the fuzzing found', () => {
  it('a group, protocol or key named like an Object property is an own key and touches no prototype', () => {
    const netstat = parseCounterTable('constructor: keys\nconstructor: 1\n__proto__: polluted\n__proto__: 2\n');
    expect(netstat.ok && Object.keys(netstat.value.groups)).toEqual(['constructor', '__proto__']);
    expect(netstat.ok && netstat.value.groups.__proto__?.polluted).toBe(2);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(typeof Object.keys).toBe('function');
    const sockstat = parseSockstat('__proto__: inuse 1\nTCP: valueOf 3 inuse 2\n');
    expect(sockstat.ok && Object.keys(sockstat.value.protocols)).toEqual(['__proto__', 'TCP']);
    expect(sockstat.ok && sockstat.value.tcp).toEqual({ inuse: 2 });
    const meminfo = parseMeminfo('__proto__: 5 kB\nMemTotal: 4 kB\n');
    expect(meminfo.ok && Object.keys(meminfo.value.raw)).toEqual(['__proto__', 'MemTotal']);
  });
});
