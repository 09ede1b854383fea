// `sockaudit whatif`: its flags, its help, argv -> WhatIfOptions.
import { dirname } from 'node:path';
import type { WhatIfOptions } from '../../commands/whatif.js';
import { UsageError } from '../../errors.js';
import { parseFlags, parsePageFormats, SAVED_RUN_PAGE_ARGS, type CommandArgs, type OptionTable } from './shared.js';

const USAGE = 'usage: sockaudit whatif --from report.json (--sysctl-file FILE | --set KEY=VALUE ...) [options]';

const HELP = `${USAGE}

Applies proposed sysctl values to each host's saved snapshot, evaluates every host again with
the audit's rules, and reports per host the level and score before and after, the figures that
moved, and what one fixed value does to a mixed fleet (tcp_mem above a host's RAM,
tcp_max_orphans below 4 x the orphans seen, values that do not increase, keys that cannot be
set in a container's network namespace).

the proposal (sysctl.conf syntax: "key = value", # and ; comments, "-key" ignores errors,
net/ipv4/tcp_mem slash form):
  --sysctl-file FILE        a sysctl.conf fragment for every host
  --set KEY=VALUE           one value for every host (repeatable; not with --sysctl-file)
  --set-for GROUP KEY=VALUE a value for the hosts of one inventory group (repeatable); a host
                            in several such groups takes the one given last

  --from FILE               a report.json written by sockaudit audit (required)
  --config FILE             evaluator thresholds and skips (YAML or JSON)
  -o, --out DIR             where to write whatif.html/md/json (default: the folder of --from)
  --format LIST             html,md,json (default all three)
  -q, --quiet               no summary on stdout

exit codes: 0 no harm found; 1 a host's verdict gets worse and reaches warning or critical, or
a warning flag is raised; 2 usage error, unreadable saved run, or an error in the proposal (unknown or
misspelt key, not a number, wrong count: named by file and line).`;

const OPTIONS = {
  ...SAVED_RUN_PAGE_ARGS,
  'sysctl-file': { type: 'string' },
  set: { type: 'string', multiple: true },
  // Taken out of argv before parseArgs (it takes two words); listed so a typo of it is named.
  'set-for': { type: 'string', multiple: true },
} as const satisfies OptionTable;

/** `--set-for` takes two words, which node's parseArgs cannot: they are taken out first. */
export function parseWhatIfArgs(args: string[]): WhatIfOptions | 'help' {
  const rest: string[] = [];
  const setFor: WhatIfOptions['setFor'] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      rest.push(...args.slice(i));
      break;
    }
    const joined = a.startsWith('--set-for=');
    if (a !== '--set-for' && !joined) {
      rest.push(a);
      continue;
    }
    // --set-for GROUP KEY=VALUE, or --set-for=GROUP KEY=VALUE
    const group = joined ? a.slice('--set-for='.length) : args[i + 1];
    const item = joined ? args[i + 1] : args[i + 2];
    if (group === undefined || item === undefined || group === '' || group.startsWith('-') || item.startsWith('--')) {
      throw new UsageError('--set-for takes a group and a key=value: --set-for GROUP KEY=VALUE');
    }
    setFor.push({ group, item });
    i += joined ? 1 : 2;
  }
  const { values: v } = parseFlags(rest, OPTIONS);
  if (v.help) return 'help';
  if (v['set-for'] !== undefined) throw new UsageError('--set-for takes a group and a key=value: --set-for GROUP KEY=VALUE');
  if (v.from === undefined) throw new UsageError('whatif: --from report.json is required');
  const set = v.set ?? [];
  if (v['sysctl-file'] !== undefined && set.length > 0) throw new UsageError('--sysctl-file and --set exclude each other: put every value in one of them');
  if (v['sysctl-file'] === undefined && set.length === 0 && setFor.length === 0) {
    throw new UsageError('whatif: give the proposal with --sysctl-file FILE, --set KEY=VALUE or --set-for GROUP KEY=VALUE');
  }
  return {
    from: v.from,
    ...(v['sysctl-file'] === undefined ? {} : { sysctlFile: v['sysctl-file'] }),
    set,
    setFor,
    ...(v.config === undefined ? {} : { configFile: v.config }),
    outDir: v.out ?? dirname(v.from),
    formats: parsePageFormats(v.format ?? 'html,md,json'),
    quiet: v.quiet ?? false,
  };
}

export const WHATIF: CommandArgs<WhatIfOptions> = {
  name: 'whatif',
  summary: 'apply proposed sysctl values to a saved run and evaluate again',
  usage: USAGE,
  help: HELP,
  options: OPTIONS,
  parse: parseWhatIfArgs,
};
