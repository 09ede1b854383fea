// Writes reports and pages into a folder: the only place they touch the disk. Every file is
// written to a temporary file created exclusively (O_EXCL, a random name) in the same folder,
// then renamed over its final name, so a reader never sees half a file and a symlink planted at
// the final or a predictable temporary name is replaced, never followed.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RunError, UsageError } from '../errors.js';
import { buildCompareView, renderCompareHtml } from '../report/compare-render.js';
import { formatById, type Format, type ReadyParts } from '../report/formats.js';
import { buildView } from '../report/view-model.js';
import { assembleCompare, VOLATILE_KEYS } from '../run/compare.js';
import type { RankedRun } from '../run/rank.js';

export { FORMAT_IDS, parseFormats, type Format } from '../report/formats.js';

/** A file that could not be written, and why (e.g. "ENOSPC: no space left on device"). */
export interface WriteFailure {
  path: string;
  reason: string;
}

export interface Written {
  files: string[];
  unwritten: WriteFailure[];
}

/**
 * Makes sure `outDir` is a folder this process can create files in: creates it when missing and
 * writes then removes a probe file. Called before any host is touched, so a bad `--out` costs
 * nothing. Throws UsageError with the reason.
 */
export async function checkOutputFolder(outDir: string): Promise<void> {
  const existing = await stat(outDir).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UsageError(`--out ${outDir}: ${reasonOf(e)}`);
  });
  if (existing && !existing.isDirectory()) throw new UsageError(`--out ${outDir}: not a folder`);
  if (!existing) {
    try {
      await mkdir(outDir, { recursive: true });
    } catch (e) {
      throw new UsageError(`--out ${outDir}: cannot create the folder (${reasonOf(e)})`);
    }
  }
  try {
    await writeAtomicInto(outDir, join(outDir, `.sockaudit-write-check-${randomBytes(6).toString('hex')}`), '', true);
  } catch (e) {
    throw new UsageError(`--out ${outDir}: cannot write files there (${reasonOf(e)})`);
  }
}

/**
 * The chosen report formats, from the registry, plus compare.html beside report.html. A file
 * that cannot be written is recorded and the others are still tried; nothing is thrown for I/O.
 */
export async function writeReports(ranked: RankedRun, outDir: string, formats: readonly Format[], ready: ReadyParts = {}): Promise<Written> {
  // The report's nav links whatif.html only when one sits in the same folder.
  const view = { ...buildView(ranked), whatifPage: existsSync(join(outDir, 'whatif.html')) };
  const entries: { name: string; content: () => string | Iterable<string | Uint8Array> }[] = formats.map((id) => {
    const format = formatById(id);
    return { name: format.fileName, content: () => format.render(ranked, view, ready) };
  });
  if (formats.includes('html')) {
    // compare.html beside report.html on every run: the hosts side by side, drift marked.
    const meta = { tool: ranked.run.tool, from: null, auditedAt: ranked.run.startedAt, reportHref: 'report.html', warnings: [] };
    entries.push({ name: 'compare.html', content: () => renderCompareHtml(buildCompareView(assembleCompare(ranked.run), meta, VOLATILE_KEYS)) });
  }
  return writeFiles(outDir, entries);
}

/** Files into a folder it creates; each failure recorded with its reason, the rest still written. */
export async function writeFiles(outDir: string, entries: readonly { name: string; content: () => string | Iterable<string | Uint8Array> }[]): Promise<Written> {
  const written: Written = { files: [], unwritten: [] };
  try {
    await mkdir(outDir, { recursive: true });
  } catch (e) {
    const reason = `cannot create the folder: ${reasonOf(e)}`;
    for (const { name } of entries) written.unwritten.push({ path: join(outDir, name), reason });
    return written;
  }
  for (const { name, content } of entries) {
    const path = join(outDir, name);
    try {
      await writeAtomic(path, content());
      written.files.push(path);
    } catch (e) {
      if (!isIoError(e)) throw e;
      written.unwritten.push({ path, reason: reasonOf(e) });
    }
  }
  return written;
}

/** Pages (compare, whatif): BASE.html/md/json for the formats asked. Throws RunError naming the first file that failed. */
export async function writeOutputs<F extends string>(outDir: string, base: string, formats: readonly F[], texts: Record<F, () => string>): Promise<string[]> {
  const { files, unwritten } = await writeFiles(outDir, formats.map((f) => ({ name: `${base}.${f}`, content: texts[f] })));
  const first = unwritten[0];
  if (first) throw new RunError(`cannot write ${first.path}: ${first.reason}${unwritten.length > 1 ? ` (and ${unwritten.length - 1} more)` : ''}`);
  return files;
}

/** Write to a fresh temporary file beside `path`, then rename it over `path`. Chunks are text or UTF-8 bytes. */
export async function writeAtomic(path: string, content: string | Iterable<string | Uint8Array>): Promise<void> {
  await writeAtomicInto(dirname(path), path, content, false);
}

/**
 * Text is turned into bytes every TEXT_BATCH characters (so that no long run of host text stays
 * in the heap), and bytes are written every WRITE_BATCH: few system calls and few trips through the
 * thread pool.
 */
const TEXT_BATCH = 1 << 16;
const WRITE_BATCH = 1 << 20;

async function writeAtomicInto(dir: string, path: string, content: string | Iterable<string | Uint8Array>, removeAfter: boolean): Promise<void> {
  const tmp = join(dir, `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  // 'wx': O_CREAT|O_EXCL. Fails on any existing entry, a symlink included, instead of following it.
  const handle = await open(tmp, 'wx', 0o666);
  try {
    let text = '';
    let batch: Uint8Array[] = [];
    let bytes = 0;
    const take = (chunk: Uint8Array): void => {
      batch.push(chunk);
      bytes += chunk.length;
    };
    const settleText = (): void => {
      if (text.length > 0) take(Buffer.from(text, 'utf8'));
      text = '';
    };
    const flush = async (): Promise<void> => {
      settleText();
      // writev writes every byte, across as many system calls as the kernel needs.
      if (batch.length > 0) await handle.writev(batch);
      batch = [];
      bytes = 0;
    };
    for (const chunk of typeof content === 'string' ? [content] : content) {
      if (typeof chunk === 'string') {
        text += chunk;
        if (text.length >= TEXT_BATCH) settleText();
      } else {
        settleText();
        take(chunk);
      }
      if (bytes >= WRITE_BATCH) await flush();
    }
    await flush();
    await handle.close();
    if (removeAfter) await rm(tmp);
    else await rename(tmp, path);
  } catch (e) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

function isIoError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string';
}

function reasonOf(e: unknown): string {
  if (isIoError(e)) return `${e.code}: ${e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}`;
  return e instanceof Error ? e.message : String(e);
}
