import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostTrustFor, weakestHostKeyPolicy } from '../../src/collect/host-trust.js';

describe('hostTrustFor', () => {
  it('strict by default, checked against OpenSSH default files plus --known-hosts, recording in ~/.ssh/known_hosts', () => {
    const t = hostTrustFor({}, { knownHostsFiles: ['/x/extra'] });
    expect(t).toEqual({
      policy: 'strict',
      reason: 'strict (default)',
      files: [join(homedir(), '.ssh', 'known_hosts'), join(homedir(), '.ssh', 'known_hosts2'), '/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2', '/x/extra'],
      recordIn: join(homedir(), '.ssh', 'known_hosts'),
    });
  });

  it("the host's own files only; /dev/null records nothing; the flag wins and says so", () => {
    const own = { knownHostsFiles: ['/dev/null'], globalKnownHostsFiles: [], hostKeyPolicy: 'accept-new' as const, hostKeyPolicyFrom: 'StrictHostKeyChecking no (ssh config /c line 12)' };
    const t = hostTrustFor(own, { knownHostsFiles: [] });
    expect(t.files).toEqual(['/dev/null']);
    expect(t.recordIn).toBeUndefined();
    expect(t.reason).toBe(
      'accept-new from StrictHostKeyChecking no (ssh config /c line 12), read as accept-new: a changed key is still refused; new keys are recorded nowhere (UserKnownHostsFile /dev/null or none)',
    );
    expect(hostTrustFor(own, { knownHostsFiles: [], policy: 'off' })).toMatchObject({ policy: 'off', reason: 'off from --host-key-policy' });
    expect(hostTrustFor(own, { knownHostsFiles: [], acceptNewFile: '/tmp/out' })).toMatchObject({ recordIn: '/tmp/out' });
  });

  it('a run is as weak as its weakest host', () => {
    const host = (policy?: string) => ({ target: policy === undefined ? {} : { hostKey: { policy } } });
    expect(weakestHostKeyPolicy([host('strict'), host('off'), host('accept-new')], 'strict')).toBe('off');
    expect(weakestHostKeyPolicy([host('strict'), host('accept-new'), host('none')], 'strict')).toBe('accept-new');
    expect(weakestHostKeyPolicy([host()], 'strict')).toBe('strict');
  });
});
