// `sockaudit report --from report.json`: render a saved run again, in any format, without touching
// a host. The hosts are parsed and evaluated again by this version (see report/load.ts).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { EvalConfig } from '../evaluate/index.js';
import type { Level } from '../evaluate/types.js';
import { EXIT, UsageError } from '../errors.js';
import { assembleDigest, diffRuns, worseHosts } from '../report/trend.js';
import { readSavedRun } from '../report/load.js';
import type { AuditRun } from '../report/types.js';
import type { AuditResult } from './audit.js';
import { loadEvalConfig } from './config-file.js';
import type { Io } from './io.js';
import { usageErrors } from './args.js';
import { judgeRun, type RunJudgement } from './judge.js';
import { parseFormats, writeReports, type Format } from './write-reports.js';

export const REPORT_HELP = `usage: sockaudit report --from report.json [-o DIR] [options]

Renders a saved run again without touching a host. The raw probe data kept in the JSON is parsed
and evaluated by this version of sockaudit (which may judge differently from the one that saved it).

  --from FILE              the saved report.json (any schema version this sockaudit reads)
  -o, --out DIR            where to write reports (default ./sockaudit-report)
  --format LIST            html,md,json,junit (default html,md,json)
  --baseline FILE          an older report.json: add a section on what changed since it
  --config FILE            evaluator thresholds and skips (YAML or JSON)
  --fail-on LEVEL          notice | warning | critical | never (default: the saved run's)
  --fail-on-worse          exit 1 also when a host got worse than in the baseline, or its TCPAbortOnMemory grew
  --allow-unaudited        do not exit 3 when a host could not be audited`;

/** The options every command that writes a report from saved runs shares. */
export const REPORT_OUTPUT_ARGS = {
  out: { type: 'string', short: 'o' },
  format: { type: 'string' },
  baseline: { type: 'string' },
  config: { type: 'string' },
  'fail-on': { type: 'string' },
  'fail-on-worse': { type: 'boolean' },
  'allow-unaudited': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

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

const GATES = ['notice', 'warning', 'critical', 'never'] as const;


/** The shared output options from parsed values. */
export function assembleOutputOptions(v: {
  out?: string;
  format?: string;
  baseline?: string;
  config?: string;
  'fail-on'?: string;
  'fail-on-worse'?: boolean;
  'allow-unaudited'?: boolean;
}): ReportOutputOptions {
  const failOn = v['fail-on'];
  if (failOn !== undefined && !(GATES as readonly string[]).includes(failOn)) throw new UsageError(`--fail-on must be one of ${GATES.join(', ')} (got "${failOn}")`);
  if (v['fail-on-worse'] && v.baseline === undefined) throw new UsageError('--fail-on-worse needs --baseline');
  return {
    outDir: v.out ?? 'sockaudit-report',
    formats: parseFormats(v.format ?? 'html,md,json'),
    ...(v.baseline === undefined ? {} : { baseline: v.baseline }),
    ...(v.config === undefined ? {} : { configFile: v.config }),
    ...(failOn === undefined ? {} : { failOn: failOn as Level | 'never' }),
    failOnWorse: v['fail-on-worse'] ?? false,
    allowUnaudited: v['allow-unaudited'] ?? false,
  };
}

export function parseReportArgs(args: string[]): ReportFromOptions | 'help' {
  const { values: v } = usageErrors(() => parseArgs({ args, options: { ...REPORT_OUTPUT_ARGS, from: { type: 'string' } }, strict: true }));
  if (v.help) return 'help';
  if (v.from === undefined) throw new UsageError('report needs --from FILE (a saved report.json)');
  return { from: v.from, ...assembleOutputOptions(v) };
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
