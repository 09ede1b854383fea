// `sockaudit prometheus-rules`: its flags, its help, argv -> PrometheusRulesOptions.
import type { PrometheusRulesOptions } from '../../commands/prometheus-rules.js';
import { parseFlags, type CommandArgs, type OptionTable } from './shared.js';

const USAGE = 'usage: sockaudit prometheus-rules [--config FILE]';

const HELP = `${USAGE}

Prints a Prometheus rule file (YAML): recording rules that read TCP memory from node_exporter in
the kernel's own unit, alerts on orphans and TCP memory with the evaluator's thresholds, and
alerts on the metrics of sockaudit's prom format (audit --format prom).

  sockaudit prometheus-rules > /etc/prometheus/rules/sockaudit.yml
  promtool check rules /etc/prometheus/rules/sockaudit.yml

  --config FILE            evaluator thresholds (YAML or JSON), as for audit --config

exit codes: 0 printed; 2 usage or config error.`;

const OPTIONS = {
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionTable;

export function parsePrometheusRulesArgs(args: string[]): PrometheusRulesOptions | 'help' {
  const { values: v } = parseFlags(args, OPTIONS);
  if (v.help) return 'help';
  return v.config === undefined ? {} : { configFile: v.config };
}

export const PROMETHEUS_RULES: CommandArgs<PrometheusRulesOptions> = {
  name: 'prometheus-rules',
  summary: 'print a Prometheus alerting and recording rule file',
  usage: USAGE,
  help: HELP,
  options: OPTIONS,
  parse: parsePrometheusRulesArgs,
};
