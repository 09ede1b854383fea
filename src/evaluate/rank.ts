// Ordering a fleet, and the verdict helpers exit codes need.
import { VERDICT_ORDER } from './types.js';
import type { Verdict } from './types.js';

export interface RankKey {
  /** False for hosts that could not be audited (unreachable, refused, unparsable): they come first. */
  audited: boolean;
  /** Absent on an audited host is read as unknown. */
  verdict?: Verdict;
  score?: number;
  name: string;
}

/** Negative when a is less severe than b (ok < notice < unknown < warning < critical). */
export function compareVerdicts(a: Verdict, b: Verdict): number {
  return VERDICT_ORDER.indexOf(a) - VERDICT_ORDER.indexOf(b);
}

/**
 * Hosts most in need of attention first: not audited (by name), then by verdict, worst first, then
 * by score descending, then by name (code-unit order, so no locale can change it). Returns a new
 * array; equal keys keep their input order.
 */
export function rankHosts<T>(hosts: readonly T[], key: (host: T) => RankKey): T[] {
  const keyed = hosts.map((host, index) => ({ host, index, k: key(host) }));
  keyed.sort((a, b) => {
    if (a.k.audited !== b.k.audited) return a.k.audited ? 1 : -1;
    if (a.k.audited) {
      const byVerdict = compareVerdicts(b.k.verdict ?? 'unknown', a.k.verdict ?? 'unknown');
      if (byVerdict !== 0) return byVerdict;
      const byScore = (b.k.score ?? 0) - (a.k.score ?? 0);
      if (byScore !== 0) return byScore;
    }
    if (a.k.name !== b.k.name) return a.k.name < b.k.name ? -1 : 1;
    return a.index - b.index;
  });
  return keyed.map((k) => k.host);
}

/** The worst of some verdicts; undefined for none. */
export function worstVerdict(verdicts: Iterable<Verdict>): Verdict | undefined {
  let worst: Verdict | undefined;
  for (const v of verdicts) if (worst === undefined || compareVerdicts(v, worst) > 0) worst = v;
  return worst;
}

/** True when verdict is at or above threshold in VERDICT_ORDER (for --fail-on). */
export function atOrAbove(verdict: Verdict, threshold: Verdict): boolean {
  return compareVerdicts(verdict, threshold) >= 0;
}
