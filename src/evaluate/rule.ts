// What a rule is: its data (id, thresholds, rationale, remediation, how its figure meets the
// thresholds) and its check, kept together in one module per rule under rules/.
import type { Snapshot } from '../procfs/types.js';
import type { Finding, Level } from './types.js';

export type Thresholds = Partial<Record<Level, number>>;

/** Groups that can be skipped as a whole (`skip: [neighbours]`). */
export const RULE_GROUPS = ['neighbours'] as const;
export type RuleGroup = (typeof RULE_GROUPS)[number];

/**
 * How a figure meets the thresholds, when a generic comparator decides it (comparators.ts#levelBy):
 * - `above`: figure > threshold (or >= for the levels in `inclusive`); the highest level crossed wins.
 * - `within`: an age in seconds <= threshold (recent events are worse; thresholds descend).
 * Rules without one judge in their own code, because the domain demands it (units, several figures).
 */
export type Comparator = { kind: 'above'; inclusive?: readonly Level[] } | { kind: 'within' };

/** Where a figure is read: a sysctl value, or the peak of a sockstat gauge over the samples. */
export type Source =
  | { sysctl: string; index?: number }
  | { sockstat: 'TCP' | 'UDP'; field: 'orphan' | 'tw' | 'mem' };

/**
 * A count against its limit, in percent: the inputs of the count-over-limit rules, as data
 * (comparators.ts#readShare and #assessShare read and judge them).
 */
export interface ShareInputs {
  used: Source;
  limit: Source;
  /** Names for summaries: "conntrack table at 12.0 % of nf_conntrack_max". */
  what: string;
  limitName: string;
  /** Finding.figures keys of the count and the limit. */
  figures: readonly [used: string, limit: string];
}

export interface RuleData {
  id: string;
  /** For items of a group: the group (`neighbours`) and the item (`conntrack`). */
  group?: RuleGroup;
  item?: string;
  title: string;
  /** What is measured, in words. */
  figure: string;
  /** Unit of the thresholds. */
  unit: string;
  thresholds: Thresholds;
  /** How thresholds must be ordered from notice to critical (checked when config overrides them). */
  order: 'ascending' | 'descending' | 'per-level';
  comparator?: Comparator;
  share?: ShareInputs;
  /** An unknown core check makes the host verdict unknown (unless something worse was found). */
  core: boolean;
  rationale: string;
  remediation: string;
}

export interface CheckContext {
  snapshot: Snapshot;
  /** The rule being checked, and its thresholds with the config's overrides applied. */
  rule: RuleData;
  thresholds: Thresholds;
}

/** A check yields a finding, or a note when what it needs does not exist on the host. */
export type CheckResult = { finding: Finding } | { note: string };

export type Check = (ctx: CheckContext) => CheckResult;

export interface Rule<Id extends string = string> extends RuleData {
  id: Id;
  check: Check;
}

/** Keeps the rule's id as a literal type, so the list of rules defines RuleId. */
export function defineRule<const Id extends string>(rule: Rule<Id>): Rule<Id> {
  return rule;
}
