// The evaluator's configuration: threshold overrides and skipped checks, by rule id. Reading the
// YAML/JSON file is the caller's job; this validates the parsed value.
import { RULE_GROUPS } from './rule.js';
import type { RuleData, Thresholds } from './rule.js';
import { RULE_IDS, RULES, isRuleId, ruleById } from './rules/index.js';
import type { RuleId } from './rules/index.js';
import type { Level } from './types.js';

export interface EvalConfig {
  /** Overrides by rule id, merged over the rule's own thresholds level by level. */
  readonly thresholds: Readonly<Partial<Record<RuleId, Thresholds>>>;
  /** Rule ids (`time-wait`, `neighbours.conntrack`) or groups (`neighbours`) not evaluated. */
  readonly skip: readonly string[];
}

export const defaultConfig: EvalConfig = Object.freeze({ thresholds: Object.freeze({}), skip: Object.freeze([]) });

/** One problem in a config file: the key path it is about (`skip[1]`, `thresholds.orphans.warning`; "" for the whole file) and what is wrong. */
export interface ConfigIssue {
  path: string;
  problem: string;
}

export interface Validated<T> {
  value: T;
  warnings: ConfigIssue[];
  errors: ConfigIssue[];
}

/** "FILE: PATH: PROBLEM", for callers that cannot point at a line. */
export function describeIssue(file: string, issue: ConfigIssue): string {
  return issue.path === '' ? `${file}: ${issue.problem}` : `${file}: ${issue.path}: ${issue.problem}`;
}

const TOP_KEYS = ['thresholds', 'skip'] as const;
const LEVELS: readonly Level[] = ['ok', 'notice', 'warning', 'critical'];

/** The thresholds in force for a rule: its own, with the config's overrides on top. */
export function thresholdsFor(id: RuleId, config: EvalConfig): Thresholds {
  return { ...ruleById(id).thresholds, ...config.thresholds[id] };
}

/** True when the config skips this rule, by its id or its group. */
export function isSkipped(rule: RuleData, config: EvalConfig): boolean {
  return config.skip.includes(rule.id) || (rule.group !== undefined && config.skip.includes(rule.group));
}

/**
 * Checks a parsed config file (`{ thresholds: { orphans: { warning: 18 } }, skip: [time-wait] }`).
 * Pure; never throws. Errors name the key path; unknown ids suggest the nearest known one.
 * `value` holds every part that was valid, so callers may still use it with warnings.
 */
export function validateConfig(value: unknown): Validated<EvalConfig> {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const out = { thresholds: {} as Partial<Record<RuleId, Thresholds>>, skip: [] as string[] };
  const err = (path: string, problem: string): void => void errors.push({ path, problem });
  const warn = (path: string, problem: string): void => void warnings.push({ path, problem });

  // An empty file parses to null or undefined: the defaults apply.
  if (value === null || value === undefined) return { value: out, warnings, errors };
  if (!isRecord(value)) {
    err('', `expected a mapping with "thresholds" and/or "skip", found ${describe(value)}`);
    return { value: out, warnings, errors };
  }

  for (const key of Object.keys(value)) {
    if (!(TOP_KEYS as readonly string[]).includes(key)) {
      err(quoteKey(key), `unknown key${suggest(key, TOP_KEYS)}; known keys: ${TOP_KEYS.join(', ')}`);
    }
  }

  if (value.skip !== undefined) {
    const skip = value.skip;
    if (!Array.isArray(skip)) {
      err('skip', `expected a list of rule ids, found ${describe(skip)}`);
    } else {
      skip.forEach((entry: unknown, i) => {
        const path = `skip[${i}]`;
        if (typeof entry !== 'string') return err(path, `expected a rule id, found ${describe(entry)}`);
        if (!isRuleId(entry) && !(RULE_GROUPS as readonly string[]).includes(entry)) {
          return err(path, `unknown rule id ${JSON.stringify(entry)}${suggest(entry, SKIPPABLE)}`);
        }
        if (out.skip.includes(entry)) return warn(path, `${entry} is listed twice`);
        out.skip.push(entry);
      });
    }
  }

  if (value.thresholds !== undefined) {
    const thresholds = value.thresholds;
    if (!isRecord(thresholds)) {
      err('thresholds', `expected a mapping of rule id to levels, found ${describe(thresholds)}`);
    } else {
      for (const [id, levels] of Object.entries(thresholds)) {
        const path = `thresholds.${quoteKey(id)}`;
        if (!isRuleId(id)) {
          if ((RULE_GROUPS as readonly string[]).includes(id)) {
            const items = RULES.filter((r) => r.group === id).map((r) => r.id);
            err(path, `set thresholds per item: ${items.join(', ')}`);
          } else {
            err(path, `unknown rule id ${JSON.stringify(id)}${suggest(id, RULE_IDS)}`);
          }
          continue;
        }
        const parsed = validateLevels(ruleById(id), levels, path, err);
        if (parsed === undefined) continue;
        out.thresholds[id] = parsed;
      }
    }
  }

  for (const id of Object.keys(out.thresholds) as RuleId[]) {
    if (isSkipped(ruleById(id), out)) warn(`thresholds.${id}`, `has no effect: ${id} is skipped`);
  }

  return { value: out, warnings, errors };
}

function validateLevels(
  rule: RuleData,
  levels: unknown,
  path: string,
  err: (path: string, problem: string) => void,
): Thresholds | undefined {
  if (!isRecord(levels)) {
    err(path, `expected a mapping of level to number, found ${describe(levels)}`);
    return undefined;
  }
  const own = Object.keys(rule.thresholds) as Level[];
  const result: Thresholds = {};
  let ok = true;
  for (const [level, raw] of Object.entries(levels)) {
    const at = `${path}.${quoteKey(level)}`;
    if (!(LEVELS as readonly string[]).includes(level) || level === 'ok') {
      err(at, `unknown level${suggest(level, own)}; ${rule.id} has: ${own.join(', ')}`);
      ok = false;
      continue;
    }
    if (!own.includes(level as Level)) {
      err(at, `${rule.id} has no ${level} threshold; it has: ${own.join(', ')}`);
      ok = false;
      continue;
    }
    if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0) {
      err(at, `expected a number >= 0 (${rule.unit}), found ${describe(raw)}`);
      ok = false;
      continue;
    }
    result[level as Level] = raw;
  }
  if (!ok) return undefined;

  const merged = { ...rule.thresholds, ...result };
  const chain = (['notice', 'warning', 'critical'] as const).filter((l) => merged[l] !== undefined);
  for (let i = 1; i < chain.length; i++) {
    const lower = chain[i - 1] as Level;
    const upper = chain[i] as Level;
    const a = merged[lower] as number;
    const b = merged[upper] as number;
    if (rule.order === 'ascending' && a > b) {
      err(path, `${lower} (${a}) must not be above ${upper} (${b}) for ${rule.id} (${rule.unit})`);
      return undefined;
    }
    if (rule.order === 'descending' && a < b) {
      err(path, `${lower} (${a}) must not be below ${upper} (${b}) for ${rule.id} (${rule.unit}: recent is worse)`);
      return undefined;
    }
  }
  return result;
}

const SKIPPABLE: readonly string[] = [...RULE_IDS, ...RULE_GROUPS];

/** "; did you mean X?" for the nearest candidate, or "" when nothing is near. */
function suggest(input: string, candidates: readonly string[]): string {
  const near = nearest(input, candidates);
  return near === undefined ? '' : `; did you mean ${JSON.stringify(near)}?`;
}

/** The candidate nearest to input: an item named by its short name first, then by edit distance. */
export function nearest(input: string, candidates: readonly string[]): string | undefined {
  const lower = input.toLowerCase();
  const bySuffix = candidates.find((c) => c.endsWith(`.${lower}`) || c === lower);
  if (bySuffix !== undefined) return bySuffix;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(lower, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  // Past half the word, a suggestion is noise.
  return best !== undefined && bestDistance <= Math.max(2, Math.ceil(best.length / 2)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${String(v)}`;
}

/** Keys come from a user's file: quote anything that is not a plain id so paths stay readable. */
function quoteKey(key: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(key) ? key : JSON.stringify(key);
}
