// `sockaudit report`: its flags, its help, argv -> ReportFromOptions.
import type { ReportFromOptions } from '../../commands/report.js';
import { UsageError } from '../../errors.js';
import { assembleOutputOptions, parseFlags, REPORT_OUTPUT_ARGS, REPORT_OUTPUT_HELP, type CommandArgs, type OptionTable } from './shared.js';

const USAGE = 'usage: sockaudit report --from report.json [-o DIR] [options]';

const HELP = `${USAGE}

Renders a saved run again without touching a host. The raw probe data kept in the JSON is parsed
and evaluated by this version of sockaudit (which may judge differently from the one that saved it).

  --from FILE              the saved report.json (any schema version this sockaudit reads)
${REPORT_OUTPUT_HELP}
  --baseline FILE          an older report.json: add a section on what changed since it
  --config FILE            evaluator thresholds and skips (YAML or JSON)
  --fail-on LEVEL          notice | warning | critical | never (default: the saved run's)
  --fail-on-worse          exit 1 also when a host got worse than in the baseline, or its TCPAbortOnMemory grew
  --allow-unaudited        do not exit 3 when a host could not be audited

exit codes: as audit's: 0 nothing at or above the gate; 1 a host at or above it (or worse, with
--fail-on-worse); 2 usage error or unreadable saved run; 3 a host could not be audited.`;

const OPTIONS = { ...REPORT_OUTPUT_ARGS, from: { type: 'string' } } as const satisfies OptionTable;

export function parseReportArgs(args: string[]): ReportFromOptions | 'help' {
  const { values: v } = parseFlags(args, OPTIONS);
  if (v.help) return 'help';
  if (v.from === undefined) throw new UsageError('report needs --from FILE (a saved report.json)');
  return { from: v.from, ...assembleOutputOptions(v) };
}

export const REPORT: CommandArgs<ReportFromOptions> = {
  name: 'report',
  summary: 'render a saved report.json again, without touching a host',
  usage: USAGE,
  help: HELP,
  options: OPTIONS,
  parse: parseReportArgs,
};
