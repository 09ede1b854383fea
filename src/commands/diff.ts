// `sockaudit diff OLD.json NEW.json`: what changed on each host between two saved runs. Both are
// parsed and evaluated again by this version, so a rule change alone never reads as a change.
import { EXIT } from '../errors.js';
import { readSavedRun } from '../report/load.js';
import { assembleDigest, diffRuns, worseHosts, type Trend } from '../report/trend.js';
import type { AuditRun } from '../report/types.js';
import { loadEvalConfig } from './config-file.js';
import type { Io } from './io.js';
import { writeReports, type Format } from './write-reports.js';

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
  exitCode: number;
}

export async function diff(opts: DiffOptions, io: Io): Promise<DiffResult> {
  const config = await loadEvalConfig(opts.configFile, io);
  const before = await readSavedRun(opts.oldFile, { config });
  const after = await readSavedRun(opts.newFile, { config });
  for (const w of before.warnings) io.warn(`${opts.oldFile}: ${w}`);
  for (const w of after.warnings) io.warn(`${opts.newFile}: ${w}`);
  const baseline = assembleDigest(before.run);
  const run: AuditRun = { ...after.run, baseline };
  const trend = diffRuns(baseline, assembleDigest(run));
  const files = opts.outDir === undefined ? [] : await writeReports(run, opts.outDir, opts.formats);
  const worse = worseHosts(trend);
  return { trend, run, files, exitCode: opts.failOnWorse && worse.length > 0 ? EXIT.findings : EXIT.ok };
}
