// The shared evaluator: one snapshot in, a verdict out. Pure and deterministic: no clock, no
// environment; ages come from the snapshot's own uptime.
import type { Snapshot } from '../procfs/types.js';
import { isSkipped, thresholdsFor } from './config.js';
import type { EvalConfig } from './config.js';
import { RULES } from './rules/index.js';
import { assembleVerdict } from './score.js';
import type { Finding, HostVerdict } from './types.js';

export function evaluateHost(snapshot: Snapshot, config: EvalConfig): HostVerdict {
  const findings: Finding[] = [];
  const notes: string[] = [];
  for (const rule of RULES) {
    if (isSkipped(rule, config)) {
      notes.push(`${rule.id}: skipped by config`);
      continue;
    }
    const result = rule.check({ snapshot, rule, thresholds: thresholdsFor(rule.id, config) });
    if ('finding' in result) findings.push(result.finding);
    else notes.push(result.note);
  }
  return assembleVerdict(findings, notes);
}
