// From findings to a host's verdict and 0-100 score.
import { RULES } from './rules/index.js';
import { VERDICT_ORDER } from './types.js';
import type { Finding, HostVerdict, Verdict } from './types.js';
import { maxOf } from '../arrays.js';

/**
 * Score bands by verdict, in ranking order. The verdict picks the band; closeness (of the deciding
 * finding) the place within it. `unknown` has a narrow band of its own between notice and warning:
 * a host whose core data is missing must rank above healthy ones, below any host with a real warning.
 */
export const SCORE_BANDS: Readonly<Record<Verdict, readonly [number, number]>> = {
  ok: [0, 24],
  notice: [25, 49],
  unknown: [50, 54],
  warning: [55, 79],
  critical: [80, 100],
};

const CORE = new Set<string>(RULES.filter((r) => r.core).map((r) => r.id));

const rankOf = (v: Verdict): number => VERDICT_ORDER.indexOf(v);

/** Worst first; within a level, closest to its critical line first; then by id. */
export function compareFindings(a: Finding, b: Finding): number {
  return rankOf(b.level) - rankOf(a.level) || b.closeness - a.closeness || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The verdict is the worst level among the findings, where `unknown` counts only for core checks
 * (orphans, tcp-memory): an unreadable conntrack count does not make a host unknown. With no
 * finding at all (everything skipped or absent) the host is unknown.
 */
export function assembleVerdict(findings: readonly Finding[], notes: string[]): HostVerdict {
  const sorted = [...findings].sort(compareFindings);
  const counted = sorted.filter((f) => f.level !== 'unknown' || CORE.has(f.id));
  const decider = counted[0];
  if (decider === undefined) return { verdict: 'unknown', score: SCORE_BANDS.unknown[0], findings: sorted, notes };

  const verdict = decider.level;
  // An unknown host is placed by how bad the rest of it looks.
  const closeness =
    verdict === 'unknown' ? Math.max(0, maxOf(sorted.filter((f) => f.level !== 'unknown').map((f) => f.closeness))) : decider.closeness;
  const [lo, hi] = SCORE_BANDS[verdict];
  return {
    verdict,
    score: lo + Math.round(Math.min(1, Math.max(0, closeness)) * (hi - lo)),
    decidedBy: decider.id,
    findings: sorted,
    notes,
  };
}
