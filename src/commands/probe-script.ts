// `sockaudit probe-script`: the probe any transport can run, printed. Its output is read back by
// `audit --probe-output`, which finds the boundary on the output's first line.
import { printableProbeScript } from '../collect/probe.js';

export interface ProbeScriptOptions {
  samples: number;
  intervalSeconds: number;
}

/** The script's text: POSIX sh, reading nothing from stdin, with a fresh boundary. */
export function probeScript(opts: ProbeScriptOptions): string {
  return printableProbeScript({ samples: opts.samples, intervalSeconds: opts.intervalSeconds }).script;
}
