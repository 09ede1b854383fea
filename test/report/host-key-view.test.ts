// Each host's key policy in words and the run's policies summed up in one line.
import { describe, expect, it } from 'vitest';
import { assembleHostKey, assembleHostKeyLine } from '../../src/report/host-key-view.js';

describe('host key view', () => {
  it('says the policy, why and how the key was trusted, and marks a newly accepted or unverified key', () => {
    const fresh = assembleHostKey({ hostKey: { policy: 'accept-new', reason: 'accept-new from StrictHostKeyChecking no (ssh config /c line 3)' }, hostKeyVerified: 'accepted-new' });
    expect(fresh).toMatchObject({ label: 'accept-new', mark: 'host key newly accepted', text: 'accept-new from StrictHostKeyChecking no (ssh config /c line 3); key seen for the first time and accepted' });
    const off = assembleHostKey({ hostKey: { policy: 'off', reason: 'off from --host-key-policy' }, hostKeyVerified: 'unverified' });
    expect(off?.mark).toBe('host key not verified');
    // Not reached: no key was seen, but the policy was still off.
    expect(assembleHostKey({ hostKey: { policy: 'off', reason: 'off from --host-key-policy' } })?.mark).toBe('host key not verified');
    const known = assembleHostKey({ hostKey: { policy: 'strict', reason: 'strict (default)' }, hostKeyVerified: 'known' });
    expect(known).toMatchObject({ mark: null, text: 'strict (default); key found in known_hosts' });
    expect(assembleHostKey({ hostKey: { policy: 'by-command', reason: 'sockaudit did not check keys: the command did' } })).toMatchObject({ label: 'by the command', mark: null, text: 'by the command: sockaudit did not check keys: the command did' });
    expect(assembleHostKey({})).toBeNull();
  });

  it('cleans control characters out of a reason read back from a saved run', () => {
    expect(assembleHostKey({ hostKey: { policy: 'strict', reason: 'strict from \u001b[2J' } })?.reason).not.toContain('\u001b');
  });

  it('sums up the run most hosts first, with where each policy came from', () => {
    const strict = assembleHostKey({ hostKey: { policy: 'strict', reason: 'strict (default)' } });
    const lenient = assembleHostKey({ hostKey: { policy: 'accept-new', reason: 'accept-new from StrictHostKeyChecking accept-new (ssh config /c line 9); new keys are recorded in /k' } });
    const inventory = assembleHostKey({ hostKey: { policy: 'accept-new', reason: 'accept-new from StrictHostKeyChecking no (ansible_ssh_common_args of host a)' } });
    const exec = assembleHostKey({ hostKey: { policy: 'by-command', reason: 'sockaudit did not check keys: the command did' } });
    const line = assembleHostKeyLine([exec, strict, strict, strict, lenient, lenient, exec, exec, exec, inventory, null], 'strict');
    expect(line).toBe('by the command for 4 hosts, strict for 3 hosts (default), accept-new for 2 hosts (ssh config), accept-new for 1 host (inventory)');
    expect(assembleHostKeyLine([null, null], 'accept-new')).toBe('accept-new');
    expect(assembleHostKeyLine([assembleHostKey({ hostKey: { policy: 'off', reason: 'off from --host-key-policy' } })], 'off')).toBe('off for 1 host (--host-key-policy)');
  });
});
