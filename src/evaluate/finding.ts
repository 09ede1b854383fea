// The Finding a check builds from its rule, and the small numeric helpers every check shares.
import type { CheckResult, RuleData, Thresholds } from './rule.js';
import type { Finding, Verdict } from './types.js';

export interface FindingParts {
  level: Verdict;
  summary: string;
  figures?: Finding['figures'];
  thresholds?: Thresholds;
  assumptions?: string[];
  closeness?: number;
  uncertain?: boolean;
  /** Said before the rule's remediation when this host's case needs it (e.g. an old kernel's meaning). */
  remediationNote?: string;
}

export function finding(rule: RuleData, parts: FindingParts): CheckResult {
  return {
    finding: {
      id: rule.id,
      ...(rule.item === undefined ? {} : { item: rule.item }),
      level: parts.level,
      summary: parts.summary,
      figures: parts.figures ?? {},
      thresholds: parts.thresholds ?? {},
      rationale: rule.rationale,
      remediation: parts.remediationNote === undefined ? rule.remediation : `${parts.remediationNote} ${rule.remediation}`,
      // A copy of its length: a list grown by push keeps room for 17, and a fleet's findings stay
      // in memory until its reports are written.
      assumptions: parts.assumptions === undefined ? [] : parts.assumptions.slice(),
      closeness: parts.closeness ?? 0,
      ...(parts.uncertain === true ? { uncertain: true } : {}),
    },
  };
}

/** A key that does not exist on this host: noted, not judged. */
export function absent(rule: RuleData, why: string): CheckResult {
  return { note: `${rule.id}: not checked, ${why}` };
}

/** A finite figure rounded for display and JSON; null when there is none (0/0, a limit of 0). */
export function fig(n: number | undefined, digits = 2): number | null {
  if (n === undefined || !Number.isFinite(n)) return null;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** 100 * part / whole; a whole of 0 makes any part infinitely over and nothing 0 %. */
export function percent(part: number, whole: number): number {
  if (whole > 0) return (100 * part) / whole;
  return part > 0 ? Number.POSITIVE_INFINITY : 0;
}
