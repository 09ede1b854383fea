// `sockaudit compare --from report.json [--by group|kernel]`: the hosts of a saved run side by side,
// drift marked, without touching a host.
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { readSavedRun } from '../run/saved-run.js';
import { assembleCompare, COMPARE_BY, VOLATILE_KEYS } from '../run/compare.js';
import type { CompareBy } from '../run/compare.js';
import { buildCompareView, renderCompareHtml, renderCompareJson, renderCompareMarkdown, renderCompareSummary } from '../report/compare-render.js';
import { sanitizeForTerminal } from '../text.js';
import { UsageError } from '../errors.js';
import { loadEvalConfig } from './config-file.js';
import { parseFormats, writeOutputs, type Format } from './outputs.js';
import type { Io } from './io.js';
import { SAVED_RUN_PAGE_ARGS, usageErrors } from './args.js';

export const COMPARE_HELP = `usage: sockaudit compare --from report.json [--by fleet|group|kernel] [options]

Shows the sysctl values and limits of a saved run's hosts side by side, and marks the hosts
that differ from their group's most common value (drift). Hostname, boot id and gauges
(fs.file-nr, nf_conntrack_count) are left out; limits are also shown relative to each host.

  --from FILE          a report.json written by sockaudit audit (required)
  --by WHAT            fleet (default: all hosts one group) | group (a host's first inventory
                       group) | kernel (kernel major.minor)
  --config FILE        evaluator thresholds and skips, for evaluating the saved run again
  -o, --out DIR        where to write compare.html/md/json (default: the folder of --from)
  --format LIST        html,md,json (default all three)
  -q, --quiet          print nothing but errors

exit codes: 0 written; 2 usage error or unreadable saved run.`;

export interface CompareOptions {
  from: string;
  by: CompareBy;
  configFile?: string;
  outDir: string;
  formats: PageFormat[];
  quiet: boolean;
}

/** The formats of the compare and what-if pages (JUnit is the audit's alone). */
export type PageFormat = Extract<Format, 'html' | 'md' | 'json'>;
const PAGE_FORMATS: readonly PageFormat[] = ['html', 'md', 'json'];

export function parsePageFormats(text: string): PageFormat[] {
  const formats = parseFormats(text);
  const other = formats.find((f) => !(PAGE_FORMATS as readonly string[]).includes(f));
  if (other !== undefined) throw new UsageError(`--format: ${other} is not written here (known: ${PAGE_FORMATS.join(', ')})`);
  return formats as PageFormat[];
}

export interface CompareResult {
  files: string[];
  exitCode: number;
}

export function parseCompareArgs(args: string[]): CompareOptions | 'help' {
  const { values: v } = usageErrors(() =>
    parseArgs({
      args,
      allowPositionals: false,
      strict: true,
      options: {
        ...SAVED_RUN_PAGE_ARGS,
        by: { type: 'string' },
      },
    }),
  );
  if (v.help) return 'help';
  if (v.from === undefined) throw new UsageError('compare: --from report.json is required');
  const by = v.by ?? 'fleet';
  if (!(COMPARE_BY as readonly string[]).includes(by)) throw new UsageError(`--by must be one of ${COMPARE_BY.join(', ')} (got "${by}")`);
  return {
    from: v.from,
    by: by as CompareBy,
    ...(v.config === undefined ? {} : { configFile: v.config }),
    outDir: v.out ?? dirname(v.from),
    formats: parsePageFormats(v.format ?? 'html,md,json'),
    quiet: v.quiet ?? false,
  };
}

export async function compare(opts: CompareOptions, io: Io): Promise<CompareResult> {
  const config = await loadEvalConfig(opts.configFile, io);
  const saved = await readSavedRun(opts.from, { config });
  for (const w of saved.warnings) io.warn(w);
  const model = assembleCompare(saved.run, opts.by);
  const meta = {
    tool: saved.run.tool,
    from: opts.from,
    auditedAt: saved.run.startedAt,
    reportHref: reportHref(opts.outDir, opts.from),
    warnings: saved.warnings,
  };
  const view = buildCompareView(model, meta, VOLATILE_KEYS);
  const texts: Record<PageFormat, () => string> = {
    html: () => renderCompareHtml(view),
    md: () => renderCompareMarkdown(view),
    json: () => renderCompareJson(model, meta, VOLATILE_KEYS),
  };
  const files = await writeOutputs(opts.outDir, 'compare', opts.formats, texts);
  if (!opts.quiet) {
    io.stdout.write(renderCompareSummary(view, {}));
    for (const f of files) io.stdout.write(`wrote ${sanitizeForTerminal(f)}\n`);
  }
  return { files, exitCode: 0 };
}

export { writeOutputs };

/**
 * The link from a page in outDir to the report.html beside the saved run, as a relative URL;
 * null when there is none. Each path component is URL-encoded, so a folder name cannot break out.
 */
export function reportHref(outDir: string, from: string): string | null {
  const report = join(dirname(resolve(from)), 'report.html');
  if (!existsSync(report)) return null;
  return relative(resolve(outDir), report).split(sep).map(encodeURIComponent).join('/');
}
