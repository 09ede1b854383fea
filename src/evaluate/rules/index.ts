// The checks of RISK-MODEL.md section 4, one module each. The list is the single source of the
// rule ids: RuleId, the config's known ids and the evaluation order all come from it.
import type { Rule } from '../rule.js';
import { conntrackRule } from './conntrack.js';
import { fileNrRule } from './file-nr.js';
import { incidentsRule } from './incidents.js';
import { limitsVsRamRule } from './limits-vs-ram.js';
import { listenOverflowsRule } from './listen-overflows.js';
import { orphansRule } from './orphans.js';
import { pressureHistoryRule } from './pressure-history.js';
import { tcpMemoryRule } from './tcp-memory.js';
import { timeWaitRule } from './time-wait.js';
import { udpMemoryRule } from './udp-memory.js';

/** In evaluation order (which is also the order of notes). */
export const RULES = [
  orphansRule,
  tcpMemoryRule,
  udpMemoryRule,
  incidentsRule,
  pressureHistoryRule,
  limitsVsRamRule,
  timeWaitRule,
  conntrackRule,
  fileNrRule,
  listenOverflowsRule,
] as const satisfies readonly Rule[];

export type RuleId = (typeof RULES)[number]['id'];

export const RULE_IDS: readonly RuleId[] = RULES.map((r) => r.id);

const BY_ID = new Map<string, Rule>(RULES.map((r) => [r.id, r]));

/** The rule a user's config or a saved finding names. */
export function ruleById(id: RuleId): Rule {
  return BY_ID.get(id) as Rule;
}

export function isRuleId(id: string): id is RuleId {
  return BY_ID.has(id);
}
