// `sockaudit diff OLD.json NEW.json`: what changed on each host between two saved runs. Both are
// parsed and evaluated again by this version, so a rule change alone never reads as a change.
import { parseArgs } from 'node:util';
import { EXIT, UsageError } from '../errors.js';
import { cut } from '../report/escape.js';
import { FORMAT_IDS, parseFormats, type Format } from '../report/formats.js';
import { assembleTrendView } from '../report/trend-view.js';
import { rankRun } from '../run/rank.js';
import { readSavedRun } from '../run/saved-run.js';
import { assembleDigest, worseHosts } from '../run/trend.js';
import type { AuditRun, Trend } from '../run/types.js';
import { sanitizeForTerminal } from '../text.js';
import { loadEvalConfig } from './config-file.js';
import type { Io } from './io.js';
import { usageErrors } from './args.js';
import { checkOutputFolder, writeReports, type WriteFailure } from './outputs.js';

export const DIFF_HELP = `usage: sockaudit diff OLD.json NEW.json [options]

Compares two saved runs host by host: verdict and score changes, new and resolved findings,
counters that grew (TCPAbortOnMemory, TCPMemoryPressures, TCPTimeWaitOverflow; a reboot resets
them and is not read as a decrease), hosts added and removed.

  --json                   print the comparison as JSON instead of text
  -o, --out DIR            also write NEW's reports with the comparison in them
  --format LIST            with --out: ${FORMAT_IDS.join(',')} (default html,md,json)
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
  /** Report files that could not be written, with why. */
  unwritten: WriteFailure[];
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
  if (opts.outDir !== undefined) await checkOutputFolder(opts.outDir);
  const ranked = rankRun(after.run, { baseline: assembleDigest(before.run) });
  const trend = ranked.trend;
  if (trend === null) throw new Error('sockaudit: a run ranked with a baseline has no trend');
  const { files, unwritten } = opts.outDir === undefined ? { files: [], unwritten: [] } : await writeReports(ranked, opts.outDir, opts.formats);
  const worse = worseHosts(trend);
  const exitCode = opts.failOnWorse && worse.length > 0 ? EXIT.findings : unwritten.length > 0 ? EXIT.unwritten : EXIT.ok;
  return { trend, run: ranked.run, files, unwritten, exitCode };
}

export function printDiff(result: DiffResult, opts: Pick<DiffOptions, 'json'>, io: Io): void {
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(result.trend, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  } else {
    io.stdout.write(renderTrendText(result.trend));
  }
  for (const f of result.files) io.stdout.write(`wrote ${sanitizeForTerminal(f)}\n`);
  for (const u of result.unwritten) io.stdout.write(`could not write ${sanitizeForTerminal(u.path)}: ${sanitizeForTerminal(u.reason)}\n`);
}

/** The comparison for a terminal: one line per changed host, then its changes indented. */
export function renderTrendText(trend: Trend): string {
  const view = assembleTrendView(trend, () => null);
  const lines = [`sockaudit diff: ${view.line}`, view.since, `current: ${sanitizeForTerminal(trend.current.startedAt)}, ${trend.current.hosts} hosts`];
  const width = Math.min(40, Math.max(4, ...view.hosts.map((h) => h.name.length)));
  for (const h of view.hosts) {
    const delta = h.scoreDelta === '' ? '' : ` (${h.scoreDelta})`;
    lines.push(`  ${h.changeSymbol} ${h.changeLabel.padEnd(17)} ${cut(h.name, 40).padEnd(width)}  ${h.before} → ${h.after}${delta}`);
    for (const n of h.notes) lines.push(`      ${cut(n, 160)}`);
  }
  return `${lines.join('\n')}\n`;
}
