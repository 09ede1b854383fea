// A run ranked once: the order and rank of its hosts, its trend against its baseline, and its
// judgement. Every renderer and the saved-run encoder take this one value, so none of them
// ranks, diffs or judges again. Pure.
import { rankHosts } from '../evaluate/rank.js';
import { sanitizeForTerminal as clean } from '../text.js';
import { gateOnTrend, judgeRun, type RunJudgement } from './judge.js';
import { assembleDigest, diffRuns } from './trend.js';
import type { AuditRun, HostResult, RunDigest, Trend } from './types.js';

/** Printed when host-key checking was off; the CLI may put the same text in `run.warnings`. */
export const HOST_KEY_OFF_WARNING =
  'Host key checking was OFF for this run (--host-key-policy off): the identity of every host is unverified.';

export interface RankedHost {
  /** 1-based place in the ranking. */
  rank: number;
  result: HostResult;
}

export interface RankedRun {
  run: AuditRun;
  /** Hosts most in need of attention first: not audited, then worst verdict and highest score. */
  hosts: RankedHost[];
  /** diffRuns(baseline, digest of this run), computed once; null without a baseline. */
  trend: Trend | null;
  judgement: RunJudgement;
  /** The run-level warnings every report states: the host-key one first when checking was off; host text cleaned. */
  warnings: string[];
}

export interface RankOptions {
  /** Compare with this digest; the run's own `baseline` when absent. */
  baseline?: RunDigest;
  /** Do not fail the run (exit 3) for hosts that could not be audited. */
  allowUnaudited?: boolean;
  /** Fail the run (exit 1) when a host got worse than in the baseline (`--fail-on-worse`). */
  failOnWorse?: boolean;
}

export function rankRun(run: AuditRun, opts: RankOptions = {}): RankedRun {
  const withBaseline = opts.baseline === undefined ? run : { ...run, baseline: opts.baseline };
  const ordered = rankHosts(withBaseline.hosts, (result) => ({
    audited: result.outcome.status !== 'failed',
    ...(result.verdict ? { verdict: result.verdict.verdict, score: result.verdict.score } : {}),
    name: result.outcome.target.name,
  }));
  const trend = withBaseline.baseline ? diffRuns(withBaseline.baseline, assembleDigest(withBaseline)) : null;
  const judgement = gateOnTrend(judgeRun(withBaseline, { failOn: withBaseline.failOn, allowUnaudited: opts.allowUnaudited ?? false }), trend, opts.failOnWorse ?? false);
  return {
    run: withBaseline,
    hosts: ordered.map((result, i) => ({ rank: i + 1, result })),
    trend,
    judgement,
    warnings: statedWarnings(withBaseline),
  };
}

function statedWarnings(run: AuditRun): string[] {
  if (run.hostKeyPolicy !== 'off') return run.warnings.map(clean);
  return [HOST_KEY_OFF_WARNING, ...run.warnings.filter((w) => w !== HOST_KEY_OFF_WARNING).map(clean)];
}
