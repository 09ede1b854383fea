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
import { assembleOutputOptions, finishSavedRun, REPORT_OUTPUT_ARGS, type ReportOutputOptions } from './report.js';
import { usageErrors } from './args.js';

export const MERGE_HELP = `usage: sockaudit merge A.json B.json ... [-o DIR] [options]

Makes one report from the report.json of each shard (audit --shard I/N). Runs written with
different JSON schema versions are refused, and so is a host that appears in two of them.

  -o, --out DIR            where to write reports (default ./sockaudit-report)
  --format LIST            ${FORMAT_IDS.join(',')} (default html,md,json)
  --baseline FILE          last week's report.json: add a section on what changed since it
  --config FILE            evaluator thresholds and skips (YAML or JSON)
  --fail-on LEVEL          notice | warning | critical | never (default: the shards' own)
  --fail-on-worse          exit 1 also when a host got worse than in the baseline, or its TCPAbortOnMemory grew
  --allow-unaudited        do not exit 3 when a host could not be audited`;

export interface MergeOptions extends ReportOutputOptions {
  files: string[];
}

export function parseMergeArgs(args: string[]): MergeOptions | 'help' {
  const { values: v, positionals } = usageErrors(() => parseArgs({ args, options: REPORT_OUTPUT_ARGS, allowPositionals: true, strict: true }));
  if (v.help) return 'help';
  if (positionals.length === 0) throw new UsageError('merge needs the report.json of each shard');
  return { files: positionals, ...assembleOutputOptions(v) };
}

export { mergeRuns, type MergeInput } from '../run/merge.js';

export async function merge(opts: MergeOptions, io: Io): Promise<AuditResult> {
  const config = await loadEvalConfig(opts.configFile, io);
  const inputs: MergeInput[] = [];
  for (const file of opts.files) {
    const saved = await readSavedRun(file, { config });
    for (const w of saved.warnings) io.warn(`${file}: ${w}`);
    inputs.push({ file, saved });
  }
  const { run, warnings } = mergeRuns(inputs, { toolVersion: packageVersion(), ...(opts.failOn === undefined ? {} : { failOn: opts.failOn }) });
  for (const w of warnings) io.warn(w);
  return finishSavedRun(run, opts, config, io);
}
