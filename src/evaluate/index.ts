// The shared evaluator's public API.
export { evaluateHost } from './evaluate.js';
export { defaultConfig, describeIssue, isSkipped, thresholdsFor, validateConfig } from './config.js';
export type { ConfigIssue, EvalConfig, Validated } from './config.js';
export { RULES, RULE_IDS, isRuleId, ruleById } from './rules/index.js';
export type { RuleId } from './rules/index.js';
export { RULE_GROUPS } from './rule.js';
export type { Comparator, Rule, RuleData, Thresholds } from './rule.js';
export { ORPHAN_DOC_BYTES, ORPHAN_STAGES } from './kernel-facts.js';
export { atOrAbove, compareVerdicts, rankHosts, worstVerdict } from './rank.js';
export type { RankKey } from './rank.js';
export { SCORE_BANDS } from './score.js';
export { parseKernelRelease, sockstatMemUnit } from './units.js';
export type { KernelVersion, MemUnit, MemUnitReading } from './units.js';
export { VERDICT_ORDER } from './types.js';
export type { Finding, HostVerdict, Level, Verdict } from './types.js';
export { parseSysctlConf } from './sysctl-conf.js';
export { assembleWhatIf, parseProposalFile, judgeWhatIf } from './whatif.js';
