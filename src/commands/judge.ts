// The exit code of a run, decided once, from the run's results. Pure.
import { VERDICT_ORDER, type Level, type Verdict } from '../evaluate/types.js';
import type { HostResult } from '../report/types.js';
import { EXIT } from '../errors.js';

export interface RunJudgement {
  exitCode: number;
  /** Hosts at or above the gate. */
  atOrAboveGate: string[];
  notAudited: string[];
  reason: string;
}

export function judgeRun(run: { hosts: HostResult[] }, opts: { failOn: Level | 'never'; allowUnaudited: boolean }): RunJudgement {
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

export function atOrAbove(verdict: Verdict, gate: Level): boolean {
  return VERDICT_ORDER.indexOf(verdict) >= VERDICT_ORDER.indexOf(gate);
}
