// `sockaudit probe-script`: its flags, its help, argv -> ProbeScriptOptions.
import type { ProbeScriptOptions } from '../../commands/probe-script.js';
import { parseFlags, parseInteger, type CommandArgs, type OptionTable } from './shared.js';

const USAGE = 'usage: sockaudit probe-script [--samples N] [--interval S]';

const HELP = `${USAGE}

Prints the probe sockaudit runs on each host: one POSIX sh script that reads nothing from its
standard input and only reads /proc, dmesg and a few facts. Run it wherever sockaudit cannot
reach (a config manager, a support ticket, an air-gapped host), keep its output, and judge it:

  sockaudit probe-script > probe.sh
  sh probe.sh > web-1.out                  # on the host
  sockaudit audit --probe-output web-1.out # here: the host is named web-1

  --samples N              snapshots in one run (default 1)
  --interval SECONDS       between samples (default 5)

exit codes: 0 printed; 2 usage error.`;

const OPTIONS = {
  samples: { type: 'string' },
  interval: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionTable;

export function parseProbeScriptArgs(args: string[]): ProbeScriptOptions | 'help' {
  const { values: v } = parseFlags(args, OPTIONS);
  if (v.help) return 'help';
  return {
    samples: parseInteger(v.samples, '--samples', 1, 1, 100),
    intervalSeconds: parseInteger(v.interval, '--interval', 5, 0, 3600),
  };
}

export const PROBE_SCRIPT: CommandArgs<ProbeScriptOptions> = {
  name: 'probe-script',
  summary: 'print the probe script, to run by hand and judge with audit --probe-output',
  usage: USAGE,
  help: HELP,
  options: OPTIONS,
  parse: parseProbeScriptArgs,
};
