// `sockaudit demo`: its flags, its help, argv -> DemoOptions.
import type { DemoOptions } from '../../commands/demo.js';
import { UsageError } from '../../errors.js';
import { parseFlags, type CommandArgs, type OptionTable } from './shared.js';

const USAGE = 'usage: sockaudit demo [-o DIR] [--no-local] [-q]';

const HELP = `${USAGE}

Starts a small fleet of recorded hosts (real /proc data kept in the package, served by an
in-process SSH server on 127.0.0.1), audits it over SSH with strict host-key checking,
together with this machine, and writes the reports. The fleet's data is recorded, not live.

  -o, --out DIR            where to write reports (default ./sockaudit-report)
  --no-local               leave this machine out
  -q, --quiet              no progress on stderr

exit codes: 0 written (a demo has no gate); 2 usage error.`;

const OPTIONS = {
  out: { type: 'string', short: 'o' },
  'no-local': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionTable;

export function parseDemoArgs(args: string[]): DemoOptions | 'help' {
  const { values: v } = parseFlags(args, OPTIONS);
  if (v.help) return 'help';
  if (v.out === '-') throw new UsageError('demo writes html, md and json to a folder: give -o a folder (audit and report write one format to stdout)');
  return { outDir: v.out ?? 'sockaudit-report', local: !v['no-local'], quiet: v.quiet ?? false };
}

export const DEMO: CommandArgs<DemoOptions> = {
  name: 'demo',
  summary: 'audit a recorded fleet served on loopback, plus this machine',
  usage: USAGE,
  help: HELP,
  options: OPTIONS,
  parse: parseDemoArgs,
};
