// Property tests over the ssh config reader: random and mutated real configs never make parsing or
// evaluation throw; every problem is an InputError naming the file and a line within it
// (test/support/parser-properties.ts). The file reader, following Include lines (a cycle
// included), keeps the same promise for every file it reads.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { MAX_INCLUDED_FILES, readSshConfig } from '../../src/inventory/ssh-config-read.js';
import { SSH_CONFIG_TARGETS, SSH_CONFIG_TEXT } from '../support/parser-properties.js';

describe.each(SSH_CONFIG_TARGETS)('$name', (target) => {
  it('keeps its properties', () => {
    fc.assert(target.property(), { numRuns: 150 });
  });
});

describe('readSshConfig on random files that include each other', () => {
  const home = mkdtempSync(join(tmpdir(), 'sockaudit-ssh-config-fuzz-'));
  const ssh = join(home, '.ssh');
  mkdirSync(join(ssh, 'conf.d'), { recursive: true });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('never throws, and names a file it read and a line within it', async () => {
    await fc.assert(
      fc.asyncProperty(SSH_CONFIG_TEXT, SSH_CONFIG_TEXT, async (main, included) => {
        const files = { [join(ssh, 'config')]: main, [join(ssh, 'conf.d', 'a')]: `${included}\nInclude ../config\n` };
        for (const [path, text] of Object.entries(files)) writeFileSync(path, text);
        const result = await readSshConfig(join(ssh, 'config'), { home, localUser: 'me', includeDir: ssh });
        for (const e of result.errors) {
          expect(e).toBeInstanceOf(InputError);
          const text = files[e.file] ?? (e.line === undefined ? '' : readFileSync(e.file, 'utf8'));
          if (e.line !== undefined) expect(e.line).toBeLessThanOrEqual(text.split(/\r?\n/).length);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('what the fuzzing found', () => {
  const home = mkdtempSync(join(tmpdir(), 'sockaudit-ssh-config-twice-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('a file that includes itself twice reads a bounded number of files, with one error naming the line', async () => {
    // Depth alone bounds this at 2^16 reads; the budget stops it at MAX_INCLUDED_FILES.
    const config = join(home, 'config');
    writeFileSync(config, 'Port 2200\nInclude config\nInclude config\n');
    const started = performance.now();
    const result = await readSshConfig(config, { home, localUser: 'me', includeDir: home });
    expect(performance.now() - started).toBeLessThan(5_000);
    const budget = result.errors.filter((e) => e.problem.includes(`more than ${MAX_INCLUDED_FILES} files`));
    expect(budget).toHaveLength(1);
    expect(budget[0]).toMatchObject({ file: config, line: 3 });
    expect(result.errors.length).toBeLessThanOrEqual(MAX_INCLUDED_FILES + 1);
  });
});
