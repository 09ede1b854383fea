// The few generic ways a figure meets its thresholds. Per-rule judgement lives in rules/.
import { fig, percent } from './finding.js';
import { digitsBeside } from './format.js';
import type { Comparator, RuleData, Thresholds } from './rule.js';
import type { Level } from './types.js';

const RISING: readonly Level[] = ['notice', 'warning', 'critical'];

/** The highest level whose threshold the value passes (`>`, or `>=` for `inclusive` levels); else ok. */
export function levelAbove(value: number, thresholds: Thresholds, inclusive: readonly Level[] = []): Level {
  let level: Level = 'ok';
  for (const candidate of RISING) {
    const t = thresholds[candidate];
    if (t === undefined) continue;
    if (inclusive.includes(candidate) ? value >= t : value > t) level = candidate;
  }
  return level;
}

/**
 * Thresholds that the rule states in percent of a line per level (tcp_mem pressure for notice,
 * high for critical, ...), in the figure's own unit, for levelAbove and for the finding to show.
 */
export function percentOfLines(thresholds: Thresholds, lines: Partial<Record<Level, number>>): Thresholds {
  const out: Thresholds = {};
  for (const level of RISING) {
    const t = thresholds[level];
    const line = lines[level];
    if (t !== undefined && line !== undefined) out[level] = (t / 100) * line;
  }
  return out;
}

/** For ages: the highest level whose window (age <= threshold) holds the age; undefined when none does. */
export function levelWithin(ageSeconds: number, thresholds: Thresholds): Level | undefined {
  let level: Level | undefined;
  for (const candidate of RISING) {
    const t = thresholds[candidate];
    if (t !== undefined && ageSeconds <= t) level = candidate;
  }
  return level;
}

/** The more severe of two levels. */
export function worseLevel(a: Level, b: Level): Level {
  return RISING.indexOf(a) >= RISING.indexOf(b) ? a : b;
}

/**
 * Closeness (see Finding.closeness) of a figure judged `above` a critical line: below the line, the
 * fraction of it reached; past it, the way from the line to `ceiling` (the hard limit, e.g. 100 %).
 */
export function closenessToLine(value: number, line: number, ceiling: number): number {
  if (!(line > 0)) return value > 0 ? 1 : 0;
  if (value < line) return clamp01(value / line);
  if (!(ceiling > line)) return 1;
  return clamp01((value - line) / (ceiling - line));
}

/** Closeness for open-ended amounts (events, seconds): 0 at 0, one half at `scale`, towards 1. */
export function saturating(value: number, scale: number): number {
  if (!(value > 0)) return 0;
  return clamp01(value / (value + scale));
}

export function clamp01(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.min(1, Math.max(0, x));
}

/** The level a rule's comparator gives a figure; undefined for `within` when no window holds it. */
export function levelBy(comparator: Comparator, value: number, thresholds: Thresholds): Level | undefined {
  return comparator.kind === 'above' ? levelAbove(value, thresholds, comparator.inclusive) : levelWithin(value, thresholds);
}

export interface ShareAssessment {
  /** used / limit in percent. */
  share: number;
  level: Level;
  closeness: number;
  /** Finding.figures for the count, the limit and the share. */
  figures: Record<string, number | null>;
}

/**
 * A count against its limit (a rule with `share` inputs), judged by the rule's `above` comparator:
 * closeness runs to the critical line, then from it to the full limit (100 %).
 */
export function assessShare(rule: RuleData, thresholds: Thresholds, used: number, limit: number): ShareAssessment {
  if (rule.share === undefined || rule.comparator?.kind !== 'above') {
    throw new Error(`${rule.id} is not a count-over-limit rule`);
  }
  const share = percent(used, limit);
  const [usedName, limitName] = rule.share.figures;
  return {
    share,
    level: levelAbove(share, thresholds, rule.comparator.inclusive),
    closeness: closenessToLine(share, thresholds.critical ?? 100, 100),
    // The share keeps the digits that tell it from a strict line (25.0015 is not 25).
    figures: { [usedName]: used, [limitName]: limit, percentOfLimit: fig(share, Math.max(2, digitsBeside(share, Object.values(thresholds)))) },
  };
}
