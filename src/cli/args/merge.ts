// `sockaudit merge`: its flags, its help, argv -> MergeOptions.
import type { MergeOptions } from '../../commands/merge.js';
import { UsageError } from '../../errors.js';
import { assembleOutputOptions, parseFlags, REPORT_OUTPUT_ARGS, REPORT_OUTPUT_HELP, type CommandArgs } from './shared.js';

const USAGE = 'usage: sockaudit merge A.json B.json ... [-o DIR] [options]';

const HELP = `${USAGE}

Makes one report from the report.json of each shard (audit --shard I/N or auto). Refused:
runs written with different JSON schema versions, shards of different runs (run ids) or of
different inventories (digests), and a host that appears in two of them. Missing shards are
named, with the hosts they held.

${REPORT_OUTPUT_HELP}
  --baseline FILE          last week's report.json: add a section on what changed since it
  --config FILE            evaluator thresholds and skips (YAML or JSON)
  --fail-on LEVEL          notice | warning | critical | never (default: the shards' own)
  --fail-on-worse          exit 1 also when a host got worse than in the baseline, or its TCPAbortOnMemory grew
  --allow-unaudited        do not exit 3 when a host could not be audited

exit codes: as audit's: 0 nothing at or above the gate; 1 a host at or above it; 2 usage error,
unreadable or mixed runs, shards of another run or inventory, a host in two runs; 3 a host could not be audited.`;

export function parseMergeArgs(args: string[]): MergeOptions | 'help' {
  const { values: v, positionals } = parseFlags(args, REPORT_OUTPUT_ARGS, true);
  if (v.help) return 'help';
  if (positionals.length === 0) throw new UsageError('merge needs the report.json of each shard');
  return { files: positionals, ...assembleOutputOptions(v) };
}

export const MERGE: CommandArgs<MergeOptions> = {
  name: 'merge',
  summary: 'one report from the JSON of several shards',
  usage: USAGE,
  help: HELP,
  options: REPORT_OUTPUT_ARGS,
  parse: parseMergeArgs,
};
