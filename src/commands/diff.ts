// `sockaudit diff OLD.json NEW.json`: what changed on each host between two saved runs. Both are
// parsed and evaluated again by this version, so a rule change alone never reads as a change.
import { parseArgs } from 'node:util';
import { EXIT, UsageError } from '../errors.js';
import { sanitizeForTerminal } from '../report/index.js';
import { readSavedRun } from '../report/load.js';
import { assembleDigest, assembleTrendView, diffRuns, worseHosts, type Trend } from '../report/trend.js';
import type { AuditRun } from '../report/types.js';
import { loadEvalConfig } from './config-file.js';
import type { Io } from './io.js';
import { usageErrors } from './args.js';
import { parseFormats, writeReports, type Format } from './write-reports.js';

export const DIFF_HELP = `usage: sockaudit diff OLD.json NEW.json [options]

Compares two saved runs host by host: verdict and score changes, new and resolved findings,
counters that grew (TCPAbortOnMemory, TCPMemoryPressures, TCPTimeWaitOverflow; a reboot resets
them and is not read as a decrease), hosts added and removed.

  --json                   print the comparison as JSON instead of text
  -o, --out DIR            also write NEW's reports with the comparison in them
  --format LIST            with --out: html,md,json,junit (default html,md,json)
  --config FILE            evaluator thresholds and skips (YAML or JSON)
  --fail-on-worse          exit 1 when a host got worse, or its TCPAbortOnMemory grew`;

export interface DiffOptions {
  oldFile: string;
  newFile: string;
  json: boolean;
  outDir?: string;
  formats: Format[];
  configFile?: string;
  failOnWorse: boolean;
}

export interface DiffResult {
  trend: Trend;
  /** NEW with OLD as its baseline. */
  run: AuditRun;
  files: string[];
  exitCode: number;
}

export function parseDiffArgs(args: string[]): DiffOptions | 'help' {
  const { values: v, positionals } = usageErrors(() =>
    parseArgs({
      args,
      options: {
        json: { type: 'boolean' },
        out: { type: 'string', short: 'o' },
        format: { type: 'string' },
        config: { type: 'string' },
        'fail-on-worse': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (v.help) return 'help';
  const [oldFile, newFile, ...extra] = positionals;
  if (oldFile === undefined || newFile === undefined || extra.length > 0) throw new UsageError('diff needs exactly two saved runs: OLD.json NEW.json');
  if (v.format !== undefined && v.out === undefined) throw new UsageError('--format goes with --out');
  return {
    oldFile,
    newFile,
    json: v.json ?? false,
    ...(v.out === undefined ? {} : { outDir: v.out }),
    formats: parseFormats(v.format ?? 'html,md,json'),
    ...(v.config === undefined ? {} : { configFile: v.config }),
    failOnWorse: v['fail-on-worse'] ?? false,
  };
}

export async function diff(opts: DiffOptions, io: Io): Promise<DiffResult> {
  const config = await loadEvalConfig(opts.configFile, io);
  const before = await readSavedRun(opts.oldFile, { config });
  const after = await readSavedRun(opts.newFile, { config });
  for (const w of before.warnings) io.warn(`${opts.oldFile}: ${w}`);
  for (const w of after.warnings) io.warn(`${opts.newFile}: ${w}`);
  const baseline = assembleDigest(before.run);
  const run: AuditRun = { ...after.run, baseline };
  const trend = diffRuns(baseline, assembleDigest(run));
  const files = opts.outDir === undefined ? [] : await writeReports(run, opts.outDir, opts.formats);
  const worse = worseHosts(trend);
  return { trend, run, files, exitCode: opts.failOnWorse && worse.length > 0 ? EXIT.findings : EXIT.ok };
}

export function printDiff(result: DiffResult, opts: Pick<DiffOptions, 'json'>, io: Io): void {
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(result.trend, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  } else {
    io.stdout.write(renderTrendText(result.trend));
  }
  for (const f of result.files) io.stdout.write(`wrote ${sanitizeForTerminal(f)}\n`);
}

/** The comparison for a terminal: one line per changed host, then its changes indented. */
export function renderTrendText(trend: Trend): string {
  const view = assembleTrendView(trend, () => null);
  const lines = [`sockaudit diff: ${view.line}`, view.since, `current: ${sanitizeForTerminal(trend.current.startedAt)}, ${trend.current.hosts} hosts`];
  const width = Math.min(40, Math.max(4, ...view.hosts.map((h) => h.name.length)));
  for (const h of view.hosts) {
    const delta = h.scoreDelta === '' ? '' : ` (${h.scoreDelta})`;
    lines.push(`  ${h.changeSymbol} ${h.changeLabel.padEnd(17)} ${truncate(h.name, 40).padEnd(width)}  ${h.before} → ${h.after}${delta}`);
    for (const n of h.notes) lines.push(`      ${truncate(n, 160)}`);
  }
  return `${lines.join('\n')}\n`;
}

function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}
