// `sockaudit compare --from report.json [--by fleet|group|kernel]`: the hosts of a saved run side by side,
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

export interface CompareOptions {
  from: string;
  /** Unset: by group when the run's inventory has groups, else the fleet (run/compare.ts#defaultCompareBy). */
  by?: CompareBy;
  configFile?: string;
  outDir: string;
  formats: PageFormat[];
  quiet: boolean;
}

/** The formats of the compare and what-if pages (JUnit is the audit's alone). */
export type PageFormat = Extract<Format, 'html' | 'md' | 'json'>;

export interface CompareResult {
  files: string[];
  exitCode: number;
}

export async function compare(opts: CompareOptions, io: Io): Promise<CompareResult> {
  const config = await loadEvalConfig(opts.configFile, io);
  const saved = await readSavedRun(opts.from, { config });
  for (const w of saved.warnings) io.warn(w);
  const model = assembleCompare(saved.run, opts.by, config);
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
