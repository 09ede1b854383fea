// Writes the chosen report formats into a folder. The only place reports touch the disk.
import { existsSync } from 'node:fs';
import { mkdir, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { buildView, renderHtml, renderJson, renderMarkdown } from '../report/index.js';
import { renderJunit } from '../report/junit.js';
import { assembleCompare, VOLATILE_KEYS } from '../report/compare.js';
import { buildCompareView, renderCompareHtml } from '../report/compare-render.js';
import type { AuditRun } from '../report/types.js';
import { RunError, UsageError } from '../errors.js';

export const FORMATS = ['html', 'md', 'json', 'junit'] as const;
export type Format = (typeof FORMATS)[number];

const FILE_NAMES: Record<Format, string> = { html: 'report.html', md: 'report.md', json: 'report.json', junit: 'report.junit.xml' };

export function parseFormats(text: string): Format[] {
  const wanted = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const out: Format[] = [];
  for (const w of wanted) {
    const f = w === 'markdown' ? 'md' : w;
    if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format: unknown format "${w}" (known: ${FORMATS.join(', ')})`);
    if (!out.includes(f as Format)) out.push(f as Format);
  }
  if (out.length === 0) throw new UsageError('--format: name at least one format');
  return out;
}

export async function writeReports(run: AuditRun, outDir: string, formats: readonly Format[]): Promise<string[]> {
  // The report's nav links whatif.html only when one sits in the same folder.
  const view = { ...buildView(run), whatifPage: existsSync(join(outDir, 'whatif.html')) };
  try {
    await mkdir(outDir, { recursive: true });
  } catch (e) {
    throw new RunError(`cannot create the output folder ${outDir}: ${(e as Error).message}`);
  }
  const written: string[] = [];
  for (const format of formats) {
    const text = format === 'html' ? renderHtml(view) : format === 'md' ? renderMarkdown(view) : format === 'json' ? renderJson(run, view) : renderJunit(view);
    const path = join(outDir, FILE_NAMES[format]);
    await writeAtomic(path, text);
    written.push(path);
  }
  if (formats.includes('html')) {
    // compare.html beside report.html on every run: the hosts side by side, drift marked.
    const meta = { tool: run.tool, from: null, auditedAt: run.startedAt, reportHref: 'report.html', warnings: [] };
    const path = join(outDir, 'compare.html');
    await writeAtomic(path, renderCompareHtml(buildCompareView(assembleCompare(run, 'fleet'), meta, VOLATILE_KEYS)));
    written.push(path);
  }
  return written;
}

/** Write then rename, so a reader never sees half a file. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text, 'utf8');
  await rename(`${path}.tmp`, path);
}
