// How each host's key was trusted, in words, and the run's policies summed up: which policy a
// host got and why ("accept-new from StrictHostKeyChecking no (ssh config FILE line 3)"), the
// command's checking for exec hosts, none for this machine and saved outputs; a mark on hosts
// whose key was newly accepted or not verified at all. Pure.
import type { HostKeyPolicyUsed, HostKeyVerified, TargetRef } from '../collect/types.js';
import { sanitizeForTerminal as clean } from '../text.js';

export interface HostKeyView {
  policy: HostKeyPolicyUsed;
  /** The policy in words: `strict`, `accept-new`, `off`, `by the command`, `none`. */
  label: string;
  /** Where the policy came from, as the transport said it. */
  reason: string;
  verified: HostKeyVerified | null;
  /** One line for a host card or entry: the policy, why, and how the key was trusted. */
  text: string;
  /** For the host's row: "host key newly accepted", "host key not verified"; null when nothing to mark. */
  mark: string | null;
}

const LABELS: Record<HostKeyPolicyUsed, string> = {
  strict: 'strict',
  'accept-new': 'accept-new',
  off: 'off',
  'by-command': 'by the command',
  none: 'none',
};

const VERIFIED: Record<HostKeyVerified, string> = {
  known: 'key found in known_hosts',
  'accepted-new': 'key seen for the first time and accepted',
  unverified: 'key NOT verified',
};

export function assembleHostKey(t: Pick<TargetRef, 'hostKey' | 'hostKeyVerified'>): HostKeyView | null {
  if (t.hostKey === undefined) return null;
  const { policy } = t.hostKey;
  const reason = clean(t.hostKey.reason);
  const verified = t.hostKeyVerified ?? null;
  const label = LABELS[policy];
  // An ssh policy's reason starts with the policy itself ("strict (default)"); the others explain it.
  const said = reason.startsWith(policy) ? reason : `${label}: ${reason}`;
  const text = verified === null ? said : `${said}; ${VERIFIED[verified]}`;
  const mark = verified === 'unverified' || (policy === 'off' && verified === null) ? 'host key not verified' : verified === 'accepted-new' ? 'host key newly accepted' : null;
  return { policy, label, reason, verified, text, mark };
}

/** Where a policy came from, in a word for the run's line; null when the label says it all. */
function sourceOf(view: HostKeyView): string | null {
  if (view.policy === 'by-command' || view.policy === 'none') return null;
  if (view.reason.startsWith(`${view.policy} (default)`)) return 'default';
  if (view.reason.includes('from --host-key-policy')) return '--host-key-policy';
  if (view.reason.includes('(ssh config')) return 'ssh config';
  if (view.reason.includes('ansible_ssh_common_args')) return 'inventory';
  return null;
}

/**
 * The policies of a run in one line, most hosts first: "strict for 40 hosts (default),
 * accept-new for 2 (ssh config), by the command for 3". `fallback` (the run's one word) when no
 * host says, as in runs saved before hosts carried their policy.
 */
export function assembleHostKeyLine(views: readonly (HostKeyView | null)[], fallback: string): string {
  const groups = new Map<string, { label: string; source: string | null; count: number; first: number }>();
  views.forEach((v, i) => {
    if (v === null) return;
    const source = sourceOf(v);
    const key = `${v.label}\u0000${source ?? ''}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { label: v.label, source, count: 1, first: i });
  });
  if (groups.size === 0) return fallback;
  return [...groups.values()]
    .sort((a, b) => b.count - a.count || a.first - b.first)
    .map((g) => `${g.label} for ${g.count} ${g.count === 1 ? 'host' : 'hosts'}${g.source === null ? '' : ` (${g.source})`}`)
    .join(', ');
}
