// Property tests over the known_hosts reader: random and mutated real files never make it throw;
// every line is read or warned about with the file and line (test/support/parser-properties.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KNOWN_HOSTS_TARGETS } from '../support/parser-properties.js';

describe.each(KNOWN_HOSTS_TARGETS)('$name', (target) => {
  it('keeps its properties', () => {
    fc.assert(target.property(), { numRuns: 150 });
  });
});

describe('what the fuzzing found', () => {
  it('an ECDSA key with an empty point is a warning, not a crash (ssh2 throws on it)', async () => {
    const { parseKnownHosts } = await import('../../src/collect/known-hosts.js');
    const db = parseKnownHosts('web1 ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAAAA\n', 'known_hosts');
    expect(db.entries).toEqual([]);
    expect(db.warnings).toEqual(['known_hosts:1: key is not valid base64 SSH public key data; line skipped']);
  });
});
