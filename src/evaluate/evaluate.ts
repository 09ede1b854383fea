// The shared evaluator: one snapshot in, a verdict out. Pure and deterministic: no clock, no
// environment; ages come from the snapshot's own uptime.
import type { Snapshot } from '../procfs/types.js';
import { checkIncidents } from './checks/incidents.js';
import { checkLimitsVsRam } from './checks/limits-vs-ram.js';
import { checkConntrack, checkFileNr, checkListenOverflows } from './checks/neighbours.js';
import { checkOrphans } from './checks/orphans.js';
import { checkPressureHistory } from './checks/pressure-history.js';
import { checkTcpMemory } from './checks/tcp-memory.js';
import { checkTimeWait } from './checks/time-wait.js';
import type { Check } from './checks/finding.js';
import { defaultConfig, isSkipped } from './config.js';
import type { EvalConfig } from './config.js';
import { RULES } from './rules.js';
import type { RuleId } from './rules.js';
import { assembleVerdict } from './score.js';
import type { Finding, HostVerdict } from './types.js';

const CHECKS: Readonly<Record<RuleId, Check>> = {
  orphans: checkOrphans,
  'tcp-memory': checkTcpMemory,
  incidents: checkIncidents,
  'pressure-history': checkPressureHistory,
  'limits-vs-ram': checkLimitsVsRam,
  'time-wait': checkTimeWait,
  'neighbours.conntrack': checkConntrack,
  'neighbours.file-nr': checkFileNr,
  'neighbours.listen-overflows': checkListenOverflows,
};

export function evaluateHost(snapshot: Snapshot, config: EvalConfig = defaultConfig): HostVerdict {
  const findings: Finding[] = [];
  const notes: string[] = [];
  for (const rule of RULES) {
    if (isSkipped(rule, config)) {
      notes.push(`${rule.id}: skipped by config`);
      continue;
    }
    const result = CHECKS[rule.id]({ snapshot, config });
    if ('finding' in result) findings.push(result.finding);
    else notes.push(result.note);
  }
  return assembleVerdict(findings, notes);
}
