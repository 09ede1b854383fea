// Which host-key policy one host gets, why, which known_hosts files vouch for it and where a
// newly accepted key is written: decided per host, as OpenSSH decides per destination.
import type { HostKeyPolicy, Target } from '../inventory/types.js';
import { acceptNewFileFor, knownHostsFilesFor } from './known-hosts.js';

export interface RunTrust {
  /** --host-key-policy: wins over every host's own. */
  policy?: HostKeyPolicy;
  /** --known-hosts: checked for every host, after its own files. */
  knownHostsFiles: readonly string[];
  /** --accept-new-file: where accept-new records keys, for every host. */
  acceptNewFile?: string;
}

export interface HostTrust {
  policy: HostKeyPolicy;
  /** For the report: the policy, where it came from and, for accept-new, where keys go. */
  reason: string;
  /** known_hosts files this host is checked against, in order. */
  files: string[];
  /** Where accept-new records this host's key; undefined: nowhere. */
  recordIn?: string;
}

const LENIENT_VALUES = /^StrictHostKeyChecking (no|off|false)\b/i;

export function hostTrustFor(target: Pick<Target, 'hostKeyPolicy' | 'hostKeyPolicyFrom' | 'knownHostsFiles' | 'globalKnownHostsFiles'>, run: RunTrust): HostTrust {
  let policy: HostKeyPolicy;
  let reason: string;
  if (run.policy !== undefined) {
    policy = run.policy;
    reason = `${policy} from --host-key-policy`;
  } else if (target.hostKeyPolicy !== undefined) {
    policy = target.hostKeyPolicy;
    const from = target.hostKeyPolicyFrom ?? 'the ssh config';
    reason = `${policy} from ${from}`;
    // OpenSSH's "no" also lets a changed key through; sockaudit never does (--host-key-policy off to skip checks).
    if (LENIENT_VALUES.test(from)) reason += ', read as accept-new: a changed key is still refused';
  } else {
    policy = 'strict';
    reason = 'strict (default)';
  }
  const recordIn = run.acceptNewFile ?? acceptNewFileFor(target);
  if (policy === 'accept-new') {
    reason += recordIn === undefined ? '; new keys are recorded nowhere (UserKnownHostsFile /dev/null or none)' : `; new keys are recorded in ${recordIn}`;
  }
  return { policy, reason, files: knownHostsFilesFor(target, run.knownHostsFiles), ...(recordIn === undefined ? {} : { recordIn }) };
}

const STRENGTH: readonly HostKeyPolicy[] = ['off', 'accept-new', 'strict'];

/**
 * The weakest policy any host got, for a run-level summary: a run where one host was
 * unchecked is not "strict". `fallback` when no host carries one (e.g. a local-only run).
 */
export function weakestHostKeyPolicy(outcomes: readonly { target: { hostKey?: { policy: string } } }[], fallback: HostKeyPolicy): HostKeyPolicy {
  let weakest: HostKeyPolicy | undefined;
  for (const o of outcomes) {
    const p = o.target.hostKey?.policy;
    if (p !== 'strict' && p !== 'accept-new' && p !== 'off') continue;
    if (weakest === undefined || STRENGTH.indexOf(p) < STRENGTH.indexOf(weakest)) weakest = p;
  }
  return weakest ?? fallback;
}
