// The shared evaluator's public API.
export { evaluateHost } from './evaluate.js';
export { defaultConfig, isSkipped, thresholdsFor, validateConfig } from './config.js';
export type { EvalConfig, Validated } from './config.js';
export { ORPHAN_STAGES, RULES, RULE_GROUPS, RULE_IDS, isRuleId, ruleById } from './rules.js';
export type { Comparator, Rule, RuleId, Thresholds } from './rules.js';
export { atOrAbove, compareVerdicts, rankHosts, worstVerdict } from './rank.js';
export type { RankKey } from './rank.js';
export { SCORE_BANDS } from './score.js';
export { parseKernelRelease, sockstatMemUnit } from './units.js';
export type { KernelVersion, MemUnit, MemUnitReading } from './units.js';
export { VERDICT_ORDER } from './types.js';
export type { Finding, HostVerdict, Level, Verdict } from './types.js';
export { parseSysctlConf } from './sysctl-conf.js';
export { assembleWhatIf, parseProposalFile, judgeWhatIf } from './whatif.js';
