// sockaudit as a library: the shared evaluator and parsers, the collectors, the renderers, the commands.
export * from './procfs/index.js';
export * from './evaluate/index.js';
export * from './report/index.js';
export * from './run/index.js';
export type { HostOutcome, TargetRef, FailureStage, ProbeRecord, RawSection } from './collect/types.js';
export type { Target, JumpHost, HostKeyPolicy } from './inventory/types.js';
export { loadTargets } from './inventory/index.js';
export { buildProbeScript, newBoundary } from './collect/probe.js';
export { assembleOutcome } from './collect/outcome.js';
export { audit, type AuditOptions, type AuditResult } from './commands/audit.js';
export { main } from './cli/main.js';
