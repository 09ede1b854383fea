// "did you mean": the nearest flag by edit distance, and the flags people bring from the tools
// sockaudit sits next to (ansible, pssh, clush, pdsh), so a habit lands on the right flag.
import type { ParseArgsConfig } from 'node:util';

type OptionTable = NonNullable<ParseArgsConfig['options']>;

/** What a peer tool calls a flag -> our long name, and which tool taught it. */
const PEER_FLAGS: Record<string, { ours: string; from: string }> = {
  '--forks': { ours: 'concurrency', from: "ansible's --forks" },
  '-f': { ours: 'concurrency', from: "ansible's -f" },
  '-p': { ours: 'concurrency', from: "pssh's -p" },
  '--par': { ours: 'concurrency', from: "pssh's --par" },
  '--fanout': { ours: 'concurrency', from: "clush's --fanout" },
  '--timeout': { ours: 'host-timeout', from: "pssh's --timeout" },
  '-t': { ours: 'host-timeout', from: "pssh's -t" },
  '-T': { ours: 'connect-timeout', from: "ansible's -T" },
  '--inventory-file': { ours: 'inventory', from: "ansible's --inventory-file" },
  '-w': { ours: 'hosts', from: "clush's and pdsh's -w" },
  '--nodes': { ours: 'hosts', from: "clush's --nodes" },
  '--host': { ours: 'hosts', from: '' },
  '--private-key': { ours: 'identity', from: "ansible's --private-key" },
  '--key-file': { ours: 'identity', from: "ansible's --key-file" },
  '--known-hosts-file': { ours: 'known-hosts', from: '' },
  '--output': { ours: 'out', from: '' },
  '--out-dir': { ours: 'out', from: '' },
  '--outdir': { ours: 'out', from: "pssh's --outdir" },
  '--silent': { ours: 'quiet', from: '' },
};

/** `-c/--concurrency` or `--local`: how a flag is named in a hint. */
export function flagName(long: string, options: OptionTable): string {
  const short = options[long]?.short;
  return short === undefined ? `--${long}` : `-${short}/--${long}`;
}

/** The hint for an unknown flag, or '' when nothing is close. */
export function suggestFlag(typed: string, options: OptionTable): string {
  const bare = typed.split('=')[0] ?? typed;
  const peer = PEER_FLAGS[bare];
  if (peer && options[peer.ours]) return `did you mean ${flagName(peer.ours, options)}?${peer.from ? ` (${peer.from})` : ''}`;
  const wanted = bare.replace(/^-+/, '').toLowerCase();
  if (wanted.length === 0) return '';
  let best: { name: string; distance: number } | undefined;
  for (const name of Object.keys(options)) {
    // A prefix (--conn), or one name inside the other (--local for --no-local, --baseline-file for --baseline).
    const distance = name.startsWith(wanted) && wanted.length >= 3 ? 0.5 : wanted.length >= 4 && name.length >= 4 && (name.includes(wanted) || wanted.includes(name)) ? 1 : editDistance(wanted, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (!best) return '';
  const allowed = wanted.length <= 3 ? 1 : wanted.length <= 6 ? 2 : 3;
  return best.distance <= allowed ? `did you mean ${flagName(best.name, options)}?` : '';
}

/** The nearest of `names` to `typed` within two edits (for commands), or undefined. */
export function nearestWord(typed: string, names: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(typed.toLowerCase(), name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= 2 ? best.name : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours each cost 1. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? Infinity;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return at(a.length, b.length);
}
