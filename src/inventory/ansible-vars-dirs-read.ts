// Reads the group_vars/ and host_vars/ directories beside an inventory file. What to take from
// them is decided by assembleVarsLayers; this only lists and reads, in Ansible's order.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Issues } from './issues.js';
import { VARS_EXTENSIONS, type VarsDirEntry, type VarsDirs, type VarsFileText } from './ansible-vars-dirs.js';
import type { Result } from './types.js';
import { appendAll } from '../arrays.js';

/** group_vars/ and host_vars/ under `dir`; a missing directory has no entries. */
export async function readVarsDirs(dir: string): Promise<Result<VarsDirs>> {
  const issues = new Issues(dir);
  const groupVars = await readVarsDir(join(dir, 'group_vars'), issues);
  const hostVars = await readVarsDir(join(dir, 'host_vars'), issues);
  return issues.result({ groupVars, hostVars });
}

async function readVarsDir(dir: string, issues: Issues): Promise<VarsDirEntry[]> {
  const kind = await kindOf(dir);
  if (kind === 'missing') return [];
  if (kind !== 'dir') {
    issues.warn(undefined, 'is not a directory; skipped', dir);
    return [];
  }
  const entries: VarsDirEntry[] = [];
  for (const name of await list(dir, issues)) {
    const path = join(dir, name);
    const entryKind = await kindOf(path);
    if (entryKind === 'file') {
      const file = await readText(path, issues);
      entries.push({ name, path, files: file === undefined ? [] : [file] });
    } else if (entryKind === 'dir') {
      entries.push({ name, path, files: await readTree(path, issues) });
    }
  }
  return entries;
}

/** A vars directory's files, sorted, subdirectories without an extension descended into. */
async function readTree(dir: string, issues: Issues): Promise<VarsFileText[]> {
  const files: VarsFileText[] = [];
  for (const name of await list(dir, issues)) {
    const path = join(dir, name);
    const ext = extname(name);
    const kind = await kindOf(path);
    if (kind === 'dir' && ext === '') appendAll(files, await readTree(path, issues));
    else if (kind === 'file' && (ext === '' || VARS_EXTENSIONS.includes(ext))) {
      const file = await readText(path, issues);
      if (file !== undefined) files.push(file);
    }
  }
  return files;
}

/** Entry names in lexical order, without hidden files and editor backups (`name~`), as Ansible skips them. */
async function list(dir: string, issues: Issues): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => !name.startsWith('.') && !name.endsWith('~')).sort();
  } catch (error) {
    issues.error(undefined, `cannot list the vars directory: ${code(error)}`, dir);
    return [];
  }
}

async function readText(path: string, issues: Issues): Promise<VarsFileText | undefined> {
  try {
    return { path, text: await readFile(path, 'utf8') };
  } catch (error) {
    issues.error(undefined, `cannot read the vars file: ${code(error)}`, path);
    return undefined;
  }
}

/** Follows symbolic links, as Ansible's os.path checks do. */
async function kindOf(path: string): Promise<'file' | 'dir' | 'other' | 'missing'> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
