// `sockaudit merge A.json B.json ... --out DIR`: one report from the runs of several shards. Each
// is parsed and evaluated again by this version, so the merged ranking is the one a single run
// over the whole inventory would give.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { FORMAT_IDS } from '../report/formats.js';
import { packageVersion } from '../paths.js';
import { mergeRuns, type MergeInput } from '../run/merge.js';
import { readSavedRun } from '../run/saved-run.js';
import type { AuditResult } from './audit.js';
import { loadEvalConfig } from './config-file.js';
import type { Io } from './io.js';
import { checkOutputFolder } from './outputs.js';
import { finishSavedRun, spoolWhileReading, type ReportOutputOptions } from './report.js';

export interface MergeOptions extends ReportOutputOptions {
  files: string[];
}

export { mergeRuns, type MergeInput } from '../run/merge.js';

export async function merge(opts: MergeOptions, io: Io): Promise<AuditResult> {
  const config = await loadEvalConfig(opts.configFile, io);
  // An --out folder that cannot take the reports fails now, before the shards are read.
  await checkOutputFolder(opts.outDir);
  const spool = spoolWhileReading(opts);
  try {
    const inputs: MergeInput[] = [];
    for (const file of opts.files) {
      const saved = await readSavedRun(file, { config, ...spool.reading });
      for (const w of saved.warnings) io.warn(`${file}: ${w}`);
      inputs.push({ file, saved });
    }
    // The merged run holds the very host objects read, which is what the spool knows them by.
    const { run, warnings } = mergeRuns(inputs, { toolVersion: packageVersion(), ...(opts.failOn === undefined ? {} : { failOn: opts.failOn }) });
    for (const w of warnings) io.warn(w);
    return await finishSavedRun(run, opts, config, io, spool.ready);
  } finally {
    spool.close();
  }
}
