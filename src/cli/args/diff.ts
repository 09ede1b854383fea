// `sockaudit diff`: its flags, its help, argv -> DiffOptions.
import type { DiffOptions } from '../../commands/diff.js';
import { UsageError } from '../../errors.js';
import { DEFAULT_FORMATS, FORMAT_LIST, parseFlags, parseFormats, type CommandArgs, type OptionTable } from './shared.js';

const USAGE = 'usage: sockaudit diff OLD.json NEW.json [options]';

const HELP = `${USAGE}

Compares two saved runs host by host: verdict and score changes, new and resolved findings,
counters that grew (TCPAbortOnMemory, TCPMemoryPressures, TCPTimeWaitOverflow; a reboot resets
them and is not read as a decrease), hosts added and removed.

  --json                   print the comparison as JSON instead of text
  -o, --out DIR            also write NEW's reports with the comparison in them
  --format LIST            with --out: ${FORMAT_LIST} (default ${DEFAULT_FORMATS})
  --config FILE            evaluator thresholds and skips (YAML or JSON)
  --fail-on-worse          exit 1 when a host got worse, or its TCPAbortOnMemory grew

exit codes: 0 compared; 1 a host got worse (with --fail-on-worse); 2 usage error or unreadable run.`;

const OPTIONS = {
  json: { type: 'boolean' },
  out: { type: 'string', short: 'o' },
  format: { type: 'string' },
  config: { type: 'string' },
  'fail-on-worse': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionTable;

export function parseDiffArgs(args: string[]): DiffOptions | 'help' {
  const { values: v, positionals } = parseFlags(args, OPTIONS, true);
  if (v.help) return 'help';
  const [oldFile, newFile, ...extra] = positionals;
  if (oldFile === undefined || newFile === undefined || extra.length > 0) throw new UsageError('diff needs exactly two saved runs: OLD.json NEW.json');
  if (v.format !== undefined && v.out === undefined) throw new UsageError('--format goes with --out');
  // The comparison itself is diff's stdout: reports go to a folder.
  if (v.out === '-') throw new UsageError('diff prints its comparison on stdout: give -o a folder (or --json for the comparison as JSON)');
  return {
    oldFile,
    newFile,
    json: v.json ?? false,
    ...(v.out === undefined ? {} : { outDir: v.out }),
    formats: parseFormats(v.format ?? DEFAULT_FORMATS),
    ...(v.config === undefined ? {} : { configFile: v.config }),
    failOnWorse: v['fail-on-worse'] ?? false,
  };
}

export const DIFF: CommandArgs<DiffOptions> = {
  name: 'diff',
  summary: 'compare two saved runs: what got worse, what got better',
  usage: USAGE,
  help: HELP,
  options: OPTIONS,
  parse: parseDiffArgs,
};
