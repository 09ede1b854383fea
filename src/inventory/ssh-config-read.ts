// Reads an ssh config file and the files its Include lines name: globs expanded in lexical
// order, relative paths under ~/.ssh (as for a user's config, and for `ssh -F`), missing
// files skipped as ssh skips them, nesting bounded as ssh bounds it.
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { globToRegExp } from './glob.js';
import { Issues } from './issues.js';
import { MAX_INCLUDE_DEPTH, parseSshConfig, type SshConfig } from './ssh-config.js';
import { InputError, type Result } from './types.js';

export interface SshConfigEnvironment {
  home: string;
  localUser: string;
}

/** Reads `path`; a missing file is an error here (the caller decides whether absence is fine). */
export async function readSshConfig(path: string, env: SshConfigEnvironment): Promise<Result<SshConfig>> {
  const issues = new Issues(path);
  const config = await readConfigFile(path, env, issues, 0);
  return issues.result(config ?? { file: path, items: [] });
}

async function readConfigFile(path: string, env: SshConfigEnvironment, issues: Issues, depth: number): Promise<SshConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    issues.errors.push(new InputError(path, undefined, `cannot read the ssh config: ${(error as NodeJS.ErrnoException).code ?? String(error)}`));
    return undefined;
  }
  const parsed = issues.absorb(parseSshConfig(text, path));
  const items: SshConfig['items'] = [];
  for (const item of parsed.items) {
    if (item.kind !== 'include') {
      items.push(item);
      continue;
    }
    if (depth + 1 > MAX_INCLUDE_DEPTH) {
      issues.errors.push(new InputError(path, item.line, `Include nested more than ${MAX_INCLUDE_DEPTH} deep (does a file include itself?)`));
      continue;
    }
    const files: SshConfig[] = [];
    for (const pattern of item.patterns) {
      for (const match of await expandGlob(includePath(pattern, env))) {
        const included = await readConfigFile(match, env, issues, depth + 1);
        if (included) files.push(included);
      }
    }
    items.push({ ...item, files });
  }
  return { file: path, items };
}

function includePath(pattern: string, env: SshConfigEnvironment): string {
  const expanded = pattern
    .replace(/^~(?=\/|$)/, env.home)
    .replace(/%([du%])/g, (_, token: string) => (token === 'd' ? env.home : token === 'u' ? env.localUser : '%'));
  return isAbsolute(expanded) ? expanded : join(env.home, '.ssh', expanded);
}

/** Existing paths matching an absolute glob, sorted like glob(3); none when nothing matches. */
async function expandGlob(pattern: string): Promise<string[]> {
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
      let entries: Array<{ name: string; isDirectory(): boolean; isSymbolicLink(): boolean }>;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        // Like glob(3), a wildcard does not match a leading dot.
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
      // Include names files that may not exist; ssh skips them too.
    }
  }
  return files;
}
