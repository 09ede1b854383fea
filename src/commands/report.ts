// `sockaudit report --from report.json`: render a saved run again, in any format, without touching
// a host. The hosts are parsed and evaluated again by this version (see run/saved-run.ts).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { EvalConfig } from '../evaluate/index.js';
import { GATES, type Gate } from '../evaluate/types.js';
import { UsageError } from '../errors.js';
import { FORMAT_IDS, parseFormats, type Format, type ReadyParts } from '../report/formats.js';
import { gateOnWrites } from '../run/judge.js';
import { rankRun, type RankedRun } from '../run/rank.js';
import { readSavedDigest, readSavedRun, type LoadOptions } from '../run/saved-run.js';
import type { AuditRun, HostResult, RunDigest } from '../run/types.js';
import { loadEvalConfig } from './config-file.js';
import { openReportSpool, type ReportSpool } from './host-spool.js';
import type { Io } from './io.js';
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
  /**
   * false: a host's raw record is let go once report.json's text for it is written away (the CLI,
   * which needs nothing else from it: 9 KB a host). The returned run then holds RECORD_WRITTEN_AWAY
   * for those hosts. Default true.
   */
  keepRecords?: boolean;
}

export interface ReportFromOptions extends ReportOutputOptions {
  from: string;
}

export async function reportFrom(opts: ReportFromOptions, io: Io): Promise<AuditResult> {
  const config = await loadEvalConfig(opts.configFile, io);
  // An --out folder that cannot take the reports fails now, before a large file is read.
  await checkOutputFolder(opts.outDir);
  const spool = spoolWhileReading(opts);
  try {
    const saved = await readSavedRun(opts.from, { config, ...spool.reading });
    for (const w of saved.warnings) io.warn(`${opts.from}: ${w}`);
    return await finishSavedRun(saved.run, opts, config, io, spool.ready);
  } finally {
    spool.close();
  }
}

export interface ReadingSpool extends ReportSpool {
  /** For readSavedRun: each host's text written away as it is read. */
  reading: Pick<LoadOptions, 'onHost'>;
}

/**
 * Each host's report.json text written away as saved runs are read, as the audit does
 * (host-spool.ts), so that the raw records need not stay in memory until the last host is in.
 */
export function spoolWhileReading(opts: Pick<ReportOutputOptions, 'outDir' | 'formats' | 'keepRecords'>): ReadingSpool {
  const spool = openReportSpool(opts);
  // A host whose collector only the file's skeleton names is encoded at the end, once it has one.
  const onHost = (host: HostResult): void => {
    if (host.collectedBy !== undefined) spool.take(host);
  };
  return { ...spool, reading: { onHost } };
}

/** Baseline, gate, reports and judgement for a run read from saved files (report, merge; each checked the output folder before reading). */
export async function finishSavedRun(loaded: AuditRun, opts: ReportOutputOptions, config: EvalConfig, io: Io, ready?: ReadyParts): Promise<AuditResult> {
  const run = opts.failOn === undefined ? loaded : { ...loaded, failOn: opts.failOn };
  let baseline: RunDigest | undefined;
  if (opts.baseline !== undefined) {
    const base = await readSavedDigest(opts.baseline, { config });
    for (const w of base.warnings) io.warn(`${opts.baseline}: ${w}`);
    baseline = base.digest;
  }
  const ranked = rankRun(run, { ...(baseline ? { baseline } : {}), allowUnaudited: opts.allowUnaudited, failOnWorse: opts.failOnWorse });
  return reportRanked(ranked, opts.outDir, opts.formats, ready);
}

/** Writes a ranked run's reports; files that could not be written are recorded, not thrown. */
export async function reportRanked(ranked: RankedRun, outDir: string, formats: readonly Format[], ready?: ReadyParts): Promise<AuditResult> {
  const { files, unwritten } = await writeReports(ranked, outDir, formats, ready);
  const judgement = gateOnWrites(ranked.judgement, unwritten.map((u) => u.path));
  return { run: ranked.run, ranked, judgement, files, unwritten };
}

/** Kept for callers of the earlier name: the judgement with `--fail-on-worse` applied. */
export { gateOnTrend } from '../run/judge.js';
