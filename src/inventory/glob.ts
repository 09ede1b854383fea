// Shell-style wildcards, as fnmatch(3) and glob(3) read them.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** `*`, `?`, `[seq]`, `[!seq]`, matched against the whole name (Python's fnmatch, glob(3) per path part). */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}

/** Existing files matching an absolute glob, sorted like glob(3): a wildcard does not match a leading dot; none when nothing matches. */
export async function expandGlob(pattern: string): Promise<string[]> {
  const parts = pattern.split('/').filter((p) => p !== '');
  let paths = ['/'];
  for (const [index, part] of parts.entries()) {
    const last = index === parts.length - 1;
    const next: string[] = [];
    for (const dir of paths) {
      if (!/[*?[]/.test(part)) {
        next.push(join(dir, part));
        continue;
      }
      const regex = globToRegExp(part);
      let entries: { name: string; isDirectory(): boolean; isSymbolicLink(): boolean; isFile(): boolean }[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        if (entry.name.startsWith('.') && !part.startsWith('.')) continue;
        if (!regex.test(entry.name)) continue;
        if (!last && !entry.isDirectory() && !entry.isSymbolicLink()) continue;
        next.push(join(dir, entry.name));
      }
    }
    paths = next;
  }
  const files: string[] = [];
  for (const path of paths.sort()) {
    try {
      if ((await stat(path)).isFile()) files.push(path);
    } catch {
      // A dangling link or a vanished file: nothing to read (ssh skips such Include names too).
    }
  }
  return files;
}
