// Reads an ssh config file and the files its Include lines name: globs expanded in lexical
// order, relative paths under ~/.ssh (as for a user's config, and for `ssh -F`) or /etc/ssh (for
// the system file; readconf.c SSHCONF_USERCONF), missing files skipped as ssh skips them,
// nesting bounded as ssh bounds it.
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { expandGlob } from './glob.js';
import { Issues } from './issues.js';
import { MAX_INCLUDE_DEPTH, parseSshConfig, type SshConfig } from './ssh-config.js';
import { InputError, type Result } from './types.js';

/**
 * Files one config may read through Include, all levels together. The depth bound alone lets a
 * file that includes itself twice read 2^16 files (ssh does the same, and takes as long); past
 * this many, Include is an error and no further file is read.
 */
export const MAX_INCLUDED_FILES = 256;

/** Files still allowed under MAX_INCLUDED_FILES in one read, and whether the error was given. */
interface IncludeBudget {
  left: number;
  reported: boolean;
}

const newBudget = (): IncludeBudget => ({ left: MAX_INCLUDED_FILES, reported: false });

export interface SshConfigEnvironment {
  home: string;
  localUser: string;
  /** Where relative Include paths point: `~/.ssh` when absent. */
  includeDir?: string;
}

/** Reads `path`; a missing file is an error here (the caller decides whether absence is fine). */
export async function readSshConfig(path: string, env: SshConfigEnvironment): Promise<Result<SshConfig>> {
  const issues = new Issues(path);
  const config = await readConfigFile(path, env, issues, 0, newBudget());
  return issues.result(config ?? { file: path, items: [] });
}

/**
 * Reads the system-wide file (/etc/ssh/ssh_config) as ssh does: after the user's, relative
 * Include paths under its own directory; a missing file is no config, an unreadable one a warning.
 */
export async function readSystemSshConfig(path: string, env: SshConfigEnvironment): Promise<Result<SshConfig | undefined>> {
  const issues = new Issues(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') issues.warn(undefined, `cannot read the system ssh config (${code}); read without it`);
    return issues.result(undefined);
  }
  return issues.result(await expandConfig(text, path, { ...env, includeDir: dirname(path) }, issues, 0, newBudget()));
}

async function readConfigFile(path: string, env: SshConfigEnvironment, issues: Issues, depth: number, budget: IncludeBudget): Promise<SshConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    issues.errors.push(new InputError(path, undefined, `cannot read the ssh config: ${errorCode(error)}`));
    return undefined;
  }
  return expandConfig(text, path, env, issues, depth, budget);
}

/** Parses one file's text and reads the files its Include lines name, in place. */
async function expandConfig(text: string, path: string, env: SshConfigEnvironment, issues: Issues, depth: number, budget: IncludeBudget): Promise<SshConfig> {
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
        if (budget.left === 0) {
          if (!budget.reported) issues.errors.push(new InputError(path, item.line, `Include reads more than ${MAX_INCLUDED_FILES} files in all (does a file include itself?); no more are read`));
          budget.reported = true;
          break;
        }
        budget.left--;
        const included = await readConfigFile(match, env, issues, depth + 1, budget);
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
  return isAbsolute(expanded) ? expanded : join(env.includeDir ?? join(env.home, '.ssh'), expanded);
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

