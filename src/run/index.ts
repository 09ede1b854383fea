// The run's public API: what a run is, ranked and judged once, saved and read back, compared.
export type { AuditRun, HostResult, RunDigest, Trend, HostTrend, DisplayLevel } from './types.js';
export { assembleHostResults } from './assemble.js';
export { rankRun, HOST_KEY_OFF_WARNING } from './rank.js';
export type { RankedRun, RankedHost, RankOptions } from './rank.js';
export { judgeRun, gateOnTrend, gateOnWrites, weakestPolicy } from './judge.js';
export type { RunJudgement } from './judge.js';
export { assembleDigest, diffRuns, worseHosts } from './trend.js';
export { mergeRuns } from './merge.js';
export { assembleCompare } from './compare.js';
export { encodeSavedRun, encodeSavedRunText, decodeSavedRun, parseSavedRun, readSavedDigest, readSavedRun, JSON_SCHEMA_VERSION, RECORD_WRITTEN_AWAY, VOLATILE_FIELDS } from './saved-run.js';
export type { SavedRun } from './saved-run.js';
