// The terminal has one room: only src/cli/ (and bin.ts) reads or writes the process's streams or
// listens for its signals, and nothing below the CLI imports it.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const outside = files(SRC)
  .map((f) => ({ path: relative(SRC, f), text: readFileSync(f, 'utf8') }))
  .filter((f) => !f.path.startsWith('cli/') && f.path !== 'bin.ts');

/** Still reads the terminal itself until collect/ takes the prompt from Io.askPassphrase. */
const NOT_YET_MOVED = new Set<string>();

describe('the terminal room', () => {
  it('only cli/ and bin.ts touch process.stdout, stderr, stdin, exit and signals', () => {
    const touching = outside
      .filter((f) => !NOT_YET_MOVED.has(f.path))
      .filter((f) => /process\.(stdout|stderr|stdin|exit|exitCode)\b|process\.(on|once|off)\(\s*'SIG/.test(f.text))
      .map((f) => f.path);
    expect(touching).toEqual([]);
  });

  it('nothing but bin.ts and the library entry imports cli/', () => {
    const importing = outside
      .filter((f) => f.path !== 'index.ts')
      .filter((f) => /from\s+'[./]*\/cli\//.test(f.text))
      .map((f) => f.path);
    expect(importing).toEqual([]);
  });
});
