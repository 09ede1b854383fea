// What every check shares: its context, its result, and the Finding built from its rule.
import type { Snapshot } from '../../procfs/types.js';
import type { EvalConfig } from '../config.js';
import type { Rule } from '../rules.js';
import type { Finding, Level, Verdict } from '../types.js';

export interface CheckContext {
  snapshot: Snapshot;
  config: EvalConfig;
}

/** A check yields a finding, or a note when what it needs does not exist on the host. */
export type CheckResult = { finding: Finding } | { note: string };

export type Check = (ctx: CheckContext) => CheckResult;

export interface FindingParts {
  level: Verdict;
  summary: string;
  figures?: Finding['figures'];
  thresholds?: Partial<Record<Level, number>>;
  assumptions?: string[];
  closeness?: number;
  uncertain?: boolean;
}

export function finding(rule: Rule, parts: FindingParts): CheckResult {
  return {
    finding: {
      id: rule.id,
      ...(rule.item === undefined ? {} : { item: rule.item }),
      level: parts.level,
      summary: parts.summary,
      figures: parts.figures ?? {},
      thresholds: parts.thresholds ?? {},
      rationale: rule.rationale,
      remediation: rule.remediation,
      assumptions: parts.assumptions ?? [],
      closeness: parts.closeness ?? 0,
      ...(parts.uncertain === true ? { uncertain: true } : {}),
    },
  };
}

/** A key that does not exist on this host: noted, not judged. */
export function absent(rule: Rule, why: string): CheckResult {
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
