// `sockaudit prometheus-rules`: the rule pack, its thresholds from the evaluator and --config.
import { prometheusRules } from '../report/prom-rules.js';
import { loadEvalConfig } from './config-file.js';
import type { Io } from './io.js';

export interface PrometheusRulesOptions {
  configFile?: string;
}

export async function prometheusRulesText(opts: PrometheusRulesOptions, io: Io): Promise<string> {
  if (opts.configFile === undefined) return prometheusRules();
  return prometheusRules({ config: await loadEvalConfig(opts.configFile, io) });
}
