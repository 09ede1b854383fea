// The exit code of a run, decided once, from the run's results and its trend. Pure.
import { atOrAbove } from '../evaluate/rank.js';
import type { Gate } from '../evaluate/types.js';
import { EXIT } from '../errors.js';
import { worseHosts } from './trend.js';
import type { AuditRun, HostResult, Trend } from './types.js';

export interface RunJudgement {
  exitCode: number;
  /** Hosts at or above the gate. */
  atOrAboveGate: string[];
  notAudited: string[];
  reason: string;
}

export function judgeRun(run: { hosts: readonly HostResult[] }, opts: { failOn: Gate; allowUnaudited: boolean }): RunJudgement {
  const notAudited = run.hosts.filter((h) => h.outcome.status === 'failed').map((h) => h.outcome.target.name);
  const atOrAboveGate = run.hosts
    .filter((h) => h.verdict !== undefined && opts.failOn !== 'never' && atOrAbove(h.verdict.verdict, opts.failOn))
    .map((h) => h.outcome.target.name);
  // Findings win over unaudited hosts: they are what the gate exists to catch, and the
  // unaudited hosts are listed first in every report anyway.
  if (atOrAboveGate.length > 0)
    return { exitCode: EXIT.findings, atOrAboveGate, notAudited, reason: `${atOrAboveGate.length} host(s) at or above --fail-on ${opts.failOn}` };
  if (notAudited.length > 0 && !opts.allowUnaudited)
    return { exitCode: EXIT.unaudited, atOrAboveGate, notAudited, reason: `${notAudited.length} host(s) could not be audited` };
  return { exitCode: EXIT.ok, atOrAboveGate, notAudited, reason: opts.failOn === 'never' ? 'no gate (--fail-on never)' : `nothing at or above --fail-on ${opts.failOn}` };
}

export { atOrAbove };

/**
 * `--fail-on-worse`: a run that would pass (or only miss hosts) fails when a host got worse than
 * in the baseline or its TCPAbortOnMemory grew. Findings at the gate already exit 1. Takes the
 * trend already computed for the run (null without a baseline).
 */
export function gateOnTrend(judgement: RunJudgement, trend: Trend | null, failOnWorse: boolean): RunJudgement {
  if (!failOnWorse || trend === null || judgement.exitCode === EXIT.findings) return judgement;
  const worse = worseHosts(trend);
  if (worse.length === 0) return judgement;
  return { ...judgement, exitCode: EXIT.findings, reason: `${worse.length} host(s) worse than the baseline (--fail-on-worse)` };
}

/**
 * Report files that could not be written fail a run that would otherwise pass (exit 4): a CI job
 * must not read a missing report as a clean one. A run that already fails keeps its own code.
 */
export function gateOnWrites(judgement: RunJudgement, unwritten: readonly string[]): RunJudgement {
  if (unwritten.length === 0 || judgement.exitCode !== EXIT.ok) return judgement;
  return { ...judgement, exitCode: EXIT.unwritten, reason: `${unwritten.length} report file(s) could not be written` };
}

/** Host-key checking from weakest to strictest. */
const POLICY_STRENGTH: readonly AuditRun['hostKeyPolicy'][] = ['off', 'accept-new', 'strict'];

/** The weakest host-key checking among several runs or hosts: what a merged run can claim. */
export function weakestPolicy(policies: readonly AuditRun['hostKeyPolicy'][]): AuditRun['hostKeyPolicy'] {
  return policies.reduce((a, b) => (POLICY_STRENGTH.indexOf(b) < POLICY_STRENGTH.indexOf(a) ? b : a), 'strict');
}
