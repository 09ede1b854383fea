// `sockaudit report --from report.json`: render a saved run again, in any format, without touching
// a host. The hosts are parsed and evaluated again by this version (see report/load.ts).
import type { EvalConfig } from '../evaluate/index.js';
import type { Level } from '../evaluate/types.js';
import { EXIT } from '../errors.js';
import { assembleDigest, diffRuns, worseHosts } from '../report/trend.js';
import { readSavedRun } from '../report/load.js';
import type { AuditRun } from '../report/types.js';
import type { AuditResult } from './audit.js';
import { loadEvalConfig } from './config-file.js';
import type { Io } from './io.js';
import { judgeRun, type RunJudgement } from './judge.js';
import { writeReports, type Format } from './write-reports.js';

export interface ReportOutputOptions {
  outDir: string;
  formats: Format[];
  /** A saved run to compare with. */
  baseline?: string;
  configFile?: string;
  /** Absent: keep the saved run's gate. */
  failOn?: Level | 'never';
  failOnWorse: boolean;
  allowUnaudited: boolean;
}

export interface ReportFromOptions extends ReportOutputOptions {
  from: string;
}

export async function reportFrom(opts: ReportFromOptions, io: Io): Promise<AuditResult> {
  const config = await loadEvalConfig(opts.configFile, io);
  const saved = await readSavedRun(opts.from, { config });
  for (const w of saved.warnings) io.warn(`${opts.from}: ${w}`);
  return finishSavedRun(saved.run, opts, config, io);
}

/** Baseline, gate, reports and judgement for a run read from saved files (report, merge). */
export async function finishSavedRun(loaded: AuditRun, opts: ReportOutputOptions, config: EvalConfig, io: Io): Promise<AuditResult> {
  let run = opts.failOn === undefined ? loaded : { ...loaded, failOn: opts.failOn };
  if (opts.baseline !== undefined) {
    const base = await readSavedRun(opts.baseline, { config });
    for (const w of base.warnings) io.warn(`${opts.baseline}: ${w}`);
    run = { ...run, baseline: assembleDigest(base.run) };
  }
  const files = await writeReports(run, opts.outDir, opts.formats);
  const judgement = gateOnTrend(judgeRun(run, { failOn: run.failOn, allowUnaudited: opts.allowUnaudited }), run, opts.failOnWorse);
  return { run, judgement, files };
}

/**
 * `--fail-on-worse`: a run that would pass (or only miss hosts) fails when a host got worse than
 * in the baseline or its TCPAbortOnMemory grew. Findings at the gate already exit 1.
 */
export function gateOnTrend(judgement: RunJudgement, run: AuditRun, failOnWorse: boolean): RunJudgement {
  if (!failOnWorse || !run.baseline || judgement.exitCode === EXIT.findings) return judgement;
  const worse = worseHosts(diffRuns(run.baseline, assembleDigest(run)));
  if (worse.length === 0) return judgement;
  return { ...judgement, exitCode: EXIT.findings, reason: `${worse.length} host(s) worse than the baseline (--fail-on-worse)` };
}
