// `sockaudit compare`: its flags, its help, argv -> CompareOptions.
import { dirname } from 'node:path';
import type { CompareOptions } from '../../commands/compare.js';
import { COMPARE_BY, type CompareBy } from '../../run/compare.js';
import { UsageError } from '../../errors.js';
import { parseFlags, parsePageFormats, SAVED_RUN_PAGE_ARGS, type CommandArgs, type OptionTable } from './shared.js';

const USAGE = 'usage: sockaudit compare --from report.json [--by fleet|group|kernel|holder] [options]';

const HELP = `${USAGE}

Shows the sysctl values and limits of a saved run's hosts side by side, and marks the hosts
that differ from their group's most common value (drift). Hostname, boot id and gauges
(fs.file-nr, nf_conntrack_count) are left out; limits are also shown relative to each host.

  --from FILE          a report.json written by sockaudit audit (required)
  --by WHAT            group (a host's first inventory group; the default when the inventory
                       has groups) | fleet (all hosts one group; the default otherwise) |
                       kernel (kernel major.minor) | holder (the biggest orphan holder,
                       STATE address:port, where the audit read the socket table)
  --config FILE        evaluator thresholds and skips, for evaluating the saved run again
  -o, --out DIR        where to write compare.html/md/json (default: the folder of --from)
  --format LIST        html,md,json (default all three)
  -q, --quiet          print nothing but errors

exit codes: 0 written; 2 usage error or unreadable saved run.`;

const OPTIONS = { ...SAVED_RUN_PAGE_ARGS, by: { type: 'string' } } as const satisfies OptionTable;

export function parseCompareArgs(args: string[]): CompareOptions | 'help' {
  const { values: v } = parseFlags(args, OPTIONS);
  if (v.help) return 'help';
  if (v.from === undefined) throw new UsageError('compare: --from report.json is required');
  const by = v.by;
  if (by !== undefined && !(COMPARE_BY as readonly string[]).includes(by)) throw new UsageError(`--by must be one of ${COMPARE_BY.join(', ')} (got "${by}")`);
  return {
    from: v.from,
    // Without --by the saved run decides: by group when its inventory had groups.
    ...(by === undefined ? {} : { by: by as CompareBy }),
    ...(v.config === undefined ? {} : { configFile: v.config }),
    outDir: v.out ?? dirname(v.from),
    formats: parsePageFormats(v.format ?? 'html,md,json'),
    quiet: v.quiet ?? false,
  };
}

export const COMPARE: CommandArgs<CompareOptions> = {
  name: 'compare',
  summary: 'the hosts\' sysctls and limits side by side, with drift marked',
  usage: USAGE,
  help: HELP,
  options: OPTIONS,
  parse: parseCompareArgs,
};
