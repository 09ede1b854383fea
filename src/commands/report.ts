// `sockaudit report --from report.json`: render a saved run again, in any format, without touching
// a host. The hosts are parsed and evaluated again by this version (see run/saved-run.ts).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { EvalConfig } from '../evaluate/index.js';
import { GATES, type Gate } from '../evaluate/types.js';
import { UsageError } from '../errors.js';
import { FORMAT_IDS, parseFormats, type Format } from '../report/formats.js';
import { gateOnWrites } from '../run/judge.js';
import { rankRun, type RankedRun } from '../run/rank.js';
import { readSavedRun } from '../run/saved-run.js';
import { assembleDigest } from '../run/trend.js';
import type { AuditRun, RunDigest } from '../run/types.js';
import { loadEvalConfig } from './config-file.js';
import type { Io } from './io.js';
import { usageErrors } from './args.js';
import { checkOutputFolder, writeReports, type WriteFailure } from './outputs.js';
import type { RunJudgement } from '../run/judge.js';

/** What a command that writes a run's reports returns (audit, demo, report, merge). */
export interface AuditResult {
  run: AuditRun;
  /** The run ranked, trended and judged once; every report was rendered from it. */
  ranked: RankedRun;
  /** The run's judgement, with report files that could not be written taken into account. */
  judgement: RunJudgement;
  files: string[];
  /** Report files that could not be written, with why; the run's result stands without them. */
  unwritten: WriteFailure[];
}

export const REPORT_HELP = `usage: sockaudit report --from report.json [-o DIR] [options]

Renders a saved run again without touching a host. The raw probe data kept in the JSON is parsed
and evaluated by this version of sockaudit (which may judge differently from the one that saved it).

  --from FILE              the saved report.json (any schema version this sockaudit reads)
  -o, --out DIR            where to write reports (default ./sockaudit-report)
  --format LIST            ${FORMAT_IDS.join(',')} (default html,md,json)
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
  failOn?: Gate;
  failOnWorse: boolean;
  allowUnaudited: boolean;
}

export interface ReportFromOptions extends ReportOutputOptions {
  from: string;
}

/** The gates the flag offers: a gate at ok would fail every audited host, so it is not one. */
const FLAG_GATES = GATES.filter((g) => g !== 'ok');


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
  if (failOn !== undefined && !(FLAG_GATES as readonly string[]).includes(failOn)) throw new UsageError(`--fail-on must be one of ${FLAG_GATES.join(', ')} (got "${failOn}")`);
  if (v['fail-on-worse'] && v.baseline === undefined) throw new UsageError('--fail-on-worse needs --baseline');
  return {
    outDir: v.out ?? 'sockaudit-report',
    formats: parseFormats(v.format ?? 'html,md,json'),
    ...(v.baseline === undefined ? {} : { baseline: v.baseline }),
    ...(v.config === undefined ? {} : { configFile: v.config }),
    ...(failOn === undefined ? {} : { failOn: failOn as Gate }),
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
  const run = opts.failOn === undefined ? loaded : { ...loaded, failOn: opts.failOn };
  await checkOutputFolder(opts.outDir);
  let baseline: RunDigest | undefined;
  if (opts.baseline !== undefined) {
    const base = await readSavedRun(opts.baseline, { config });
    for (const w of base.warnings) io.warn(`${opts.baseline}: ${w}`);
    baseline = assembleDigest(base.run);
  }
  const ranked = rankRun(run, { ...(baseline ? { baseline } : {}), allowUnaudited: opts.allowUnaudited, failOnWorse: opts.failOnWorse });
  return reportRanked(ranked, opts.outDir, opts.formats);
}

/** Writes a ranked run's reports; files that could not be written are recorded, not thrown. */
export async function reportRanked(ranked: RankedRun, outDir: string, formats: readonly Format[]): Promise<AuditResult> {
  const { files, unwritten } = await writeReports(ranked, outDir, formats);
  const judgement = gateOnWrites(ranked.judgement, unwritten.map((u) => u.path));
  return { run: ranked.run, ranked, judgement, files, unwritten };
}

/** Kept for callers of the earlier name: the judgement with `--fail-on-worse` applied. */
export { gateOnTrend } from '../run/judge.js';
