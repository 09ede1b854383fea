// `sockaudit diff OLD.json NEW.json`: what changed on each host between two saved runs. Both are
// parsed and evaluated again by this version, so a rule change alone never reads as a change.
import { parseArgs } from 'node:util';
import { EXIT, UsageError } from '../errors.js';
import { cut } from '../report/escape.js';
import { FORMAT_IDS, parseFormats, type Format } from '../report/formats.js';
import { assembleTrendView } from '../report/trend-view.js';
import { rankRun } from '../run/rank.js';
import { readSavedDigest, readSavedRun } from '../run/saved-run.js';
import { worseHosts } from '../run/trend.js';
import type { AuditRun, Trend } from '../run/types.js';
import { sanitizeForTerminal } from '../text.js';
import { loadEvalConfig } from './config-file.js';
import type { Io } from './io.js';
import { checkOutputFolder, writeReports, type WriteFailure } from './outputs.js';

export interface DiffOptions {
  oldFile: string;
  newFile: string;
  json: boolean;
  outDir?: string;
  formats: Format[];
  configFile?: string;
  failOnWorse: boolean;
}

export interface DiffResult {
  trend: Trend;
  /** NEW with OLD as its baseline. */
  run: AuditRun;
  files: string[];
  /** Report files that could not be written, with why. */
  unwritten: WriteFailure[];
  exitCode: number;
}

export async function diff(opts: DiffOptions, io: Io): Promise<DiffResult> {
  const config = await loadEvalConfig(opts.configFile, io);
  // The older run is only compared with: its digest is all that is kept of it.
  const before = await readSavedDigest(opts.oldFile, { config });
  const after = await readSavedRun(opts.newFile, { config });
  for (const w of before.warnings) io.warn(`${opts.oldFile}: ${w}`);
  for (const w of after.warnings) io.warn(`${opts.newFile}: ${w}`);
  if (opts.outDir !== undefined) await checkOutputFolder(opts.outDir);
  const ranked = rankRun(after.run, { baseline: before.digest });
  const trend = ranked.trend;
  if (trend === null) throw new Error('sockaudit: a run ranked with a baseline has no trend');
  const { files, unwritten } = opts.outDir === undefined ? { files: [], unwritten: [] } : await writeReports(ranked, opts.outDir, opts.formats);
  const worse = worseHosts(trend);
  const exitCode = opts.failOnWorse && worse.length > 0 ? EXIT.findings : unwritten.length > 0 ? EXIT.unwritten : EXIT.ok;
  return { trend, run: ranked.run, files, unwritten, exitCode };
}
